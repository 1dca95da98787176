"""`make dev` and `make api`: the API with auto-reload on http://127.0.0.1:API_PORT and, with
`--front`, the SPA's Next.js dev server on http://127.0.0.1:FRONT_PORT (default 3000), which
forwards `/api` to the API as nginx does in Docker.

Unless SMTP_HOST is configured, the API's mail goes to a local catcher on 127.0.0.1:DEV_MAIL_PORT
(default 1025) that keeps each mail as an .eml file under `.data/mail` (devtools/dev_mail.py).

Unless DATABASE_URL or POSTGRES_SERVER is configured (environment or `.env`), it runs on a
local PostgreSQL kept under `.data/postgres` (LOCAL_DATA_DIR moves `.data`). Ctrl-C stops
everything it started.
"""

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from app.core.config import DEV_SUPERUSER_PASSWORD, Settings
from devtools.dev_database import REPO_ROOT, DevDatabase, dev_database, load_dev_settings
from devtools.dev_mail import DEFAULT_MAIL_PORT, catcher_settings, mail_catcher, mail_dir

FRONT_DIR = REPO_ROOT / "front"
DEFAULT_FRONT_PORT = 3000


def _app_url(front_port: int | None) -> str | None:
    return None if front_port is None else f"http://127.0.0.1:{front_port}"


def _mail_line(settings: Settings) -> str:
    if settings.email_enabled:
        return f"  Mail     sent through {settings.SMTP_HOST}:{settings.SMTP_PORT} (SMTP_HOST)"
    return f"  Mail     caught in {mail_dir()}/, one .eml file each (none leaves this machine)"


def _banner(settings: Settings, front_port: int | None) -> str:
    api = f"http://127.0.0.1:{settings.API_PORT}"
    password = settings.FIRST_SUPERUSER_PASSWORD.get_secret_value()
    shown = (
        f"{password}, the development login that production refuses"
        if password == DEV_SUPERUSER_PASSWORD
        else "(FIRST_SUPERUSER_PASSWORD)"
    )
    login = f"{settings.FIRST_SUPERUSER} / {shown}"
    lines = [""]
    if front_port is not None:
        lines.append(f"  App      {_app_url(front_port)}  (sign in: {login})")
    lines += [
        f"  API      {api}/api",
        f"  Swagger  {api}/api/docs  (Authorize: {login})",
        f"  Health   {api}/api/health",
        _mail_line(settings),
        "  Ctrl-C stops everything, the local database included.",
        "",
    ]
    return "\n".join(lines)


def _start_api(settings: Settings, environment: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "app.main:app",
            "--host", "127.0.0.1",
            "--port", str(settings.API_PORT),
            "--reload", "--reload-dir", str(REPO_ROOT / "server" / "app"),
        ],
        env=environment,
    )  # fmt: skip


def _start_front(settings: Settings, front_port: int) -> subprocess.Popen[bytes]:
    environment = dict(
        os.environ,
        API_ORIGIN=f"http://127.0.0.1:{settings.API_PORT}",
        NEXT_TELEMETRY_DISABLED="1",
    )
    next_cli = FRONT_DIR / "node_modules" / ".bin" / "next"
    if not next_cli.exists():
        raise SystemExit("The SPA's packages are missing: run `make front-deps` (make dev does).")
    return subprocess.Popen(
        [str(next_cli), "dev", "--hostname", "127.0.0.1", "--port", str(front_port)],
        cwd=FRONT_DIR,
        env=environment,
    )


@contextmanager
def _mail_settings(settings: Settings, front_port: int | None) -> Iterator[dict[str, str]]:
    """The API's mail settings: none added when SMTP_HOST is configured, else the catcher's,
    which runs for the block."""
    if settings.email_enabled:
        yield {}
        return
    port = int(os.environ.get("DEV_MAIL_PORT", DEFAULT_MAIL_PORT))
    with mail_catcher(mail_dir(), port):
        yield catcher_settings(settings, port, _app_url(front_port))


def _serve(settings: Settings, database: DevDatabase, front_port: int | None) -> None:
    with _mail_settings(settings, front_port) as mail_settings:
        print(_banner(settings, front_port), flush=True)
        _run_servers(settings, database.environment | mail_settings, front_port)


def _run_servers(
    settings: Settings, api_environment: dict[str, str], front_port: int | None
) -> None:
    servers = [_start_api(settings, api_environment)]
    try:
        if front_port is not None:
            servers.append(_start_front(settings, front_port))
        # Whichever stops first (a crash, or Ctrl-C reaching the process group) ends the rest.
        while all(server.poll() is None for server in servers):
            time.sleep(0.5)
    finally:
        for server in servers:
            if server.poll() is None:
                server.terminate()
        for server in servers:
            server.wait()


def _front_port(arguments: argparse.Namespace) -> int | None:
    if not arguments.front:
        return None
    return int(os.environ.get("FRONT_PORT", DEFAULT_FRONT_PORT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--front", action="store_true", help="also run the SPA's dev server")
    arguments = parser.parse_args()
    settings = load_dev_settings()
    database: DevDatabase | None = None
    try:
        with dev_database(settings) as database:
            _serve(settings, database, _front_port(arguments))
    except KeyboardInterrupt:
        pass
    except subprocess.CalledProcessError as error:
        raise SystemExit(error.returncode) from None
    finally:
        if database is not None and database.stops_local_server:
            print("Stopped everything, the local PostgreSQL included.", flush=True)


if __name__ == "__main__":
    main()
