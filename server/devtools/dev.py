"""`make api`: the API with auto-reload on http://127.0.0.1:API_PORT.

Unless DATABASE_URL or POSTGRES_SERVER is configured (environment or `.env`), it runs on a
local PostgreSQL kept under `.data/postgres` (LOCAL_DATA_DIR moves `.data`). Ctrl-C stops
everything it started.
"""

import os
import subprocess
import sys
from pathlib import Path

from app.core.config import DEV_SUPERUSER_PASSWORD, Settings, SettingsError, load_settings
from devtools.local_postgres import LocalPostgres

REPO_ROOT = Path(__file__).resolve().parents[2]


def _banner(settings: Settings) -> str:
    base = f"http://127.0.0.1:{settings.API_PORT}"
    password = settings.FIRST_SUPERUSER_PASSWORD.get_secret_value()
    shown = password if password == DEV_SUPERUSER_PASSWORD else "(FIRST_SUPERUSER_PASSWORD)"
    return (
        f"\n  API      {base}/api\n"
        f"  Swagger  {base}/api/docs  (Authorize: {settings.FIRST_SUPERUSER} / {shown})\n"
        f"  Health   {base}/api/health\n"
        "  Ctrl-C stops the API and the local database.\n"
    )


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as error:
        raise SystemExit(str(error)) from None
    environment = dict(os.environ)
    local_postgres = None
    if settings.DATABASE_URL is None and settings.POSTGRES_SERVER is None:
        data_dir = Path(os.environ.get("LOCAL_DATA_DIR", REPO_ROOT / ".data")) / "postgres"
        local_postgres = LocalPostgres(data_dir)
        local_postgres.start()
        url = local_postgres.create_database(settings.POSTGRES_DB)
        environment["DATABASE_URL"] = url.render_as_string(hide_password=False)
        print(f"Local PostgreSQL in {data_dir}", flush=True)
    server = None
    try:
        subprocess.run([sys.executable, "-m", "app.prestart"], env=environment, check=True)
        print(_banner(settings), flush=True)
        server = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "app.main:app",
                "--host", "127.0.0.1",
                "--port", str(settings.API_PORT),
                "--reload", "--reload-dir", str(REPO_ROOT / "server" / "app"),
            ],
            env=environment,
        )  # fmt: skip
        server.wait()
    except KeyboardInterrupt:
        pass
    except subprocess.CalledProcessError as error:
        raise SystemExit(error.returncode) from None
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            server.wait()
        if local_postgres is not None:
            local_postgres.stop()
            print("Stopped the API and the local PostgreSQL.", flush=True)


if __name__ == "__main__":
    main()
