"""`make api`: the API with auto-reload on http://127.0.0.1:API_PORT.

Unless DATABASE_URL or POSTGRES_SERVER is configured (environment or `.env`), it runs on a
local PostgreSQL kept under `.data/postgres` (LOCAL_DATA_DIR moves `.data`). Ctrl-C stops
everything it started.
"""

import subprocess
import sys

from app.core.config import DEV_SUPERUSER_PASSWORD, Settings
from devtools.dev_database import REPO_ROOT, DevDatabase, dev_database, load_dev_settings


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


def _serve(settings: Settings, environment: dict[str, str]) -> None:
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
    try:
        server.wait()
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait()


def main() -> None:
    settings = load_dev_settings()
    database: DevDatabase | None = None
    try:
        with dev_database(settings) as database:
            _serve(settings, database.environment)
    except KeyboardInterrupt:
        pass
    except subprocess.CalledProcessError as error:
        raise SystemExit(error.returncode) from None
    finally:
        if database is not None and database.local:
            print("Stopped the API and the local PostgreSQL.", flush=True)


if __name__ == "__main__":
    main()
