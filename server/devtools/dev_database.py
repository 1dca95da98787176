"""The development database of `make api` and `make seed`: the configured one, or a local one.

Unless DATABASE_URL or POSTGRES_SERVER is configured (environment or `.env`), a local
PostgreSQL kept under `.data/postgres` (LOCAL_DATA_DIR moves `.data`) runs for the duration
and is stopped afterwards, unless it was running already: `make seed` beside `make dev` uses
the dev server and leaves it running. Either way `app.prestart` migrates the database first.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.core.config import Settings, SettingsError, load_settings
from devtools.local_postgres import LocalPostgres

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class DevDatabase:
    # The environment to run commands on it with: ours, plus the local DATABASE_URL if any.
    environment: dict[str, str]
    # A local PostgreSQL that this block started, and stops when it ends.
    stops_local_server: bool


def local_data_dir() -> Path:
    return Path(os.environ.get("LOCAL_DATA_DIR", REPO_ROOT / ".data"))


def load_dev_settings() -> Settings:
    """The settings, with the development signing key (when SECRET_KEY is unset) kept under
    `.data/`: the same for the API's workers and its restarts, made on the first run.
    Every process started from here inherits where it is."""
    os.environ.setdefault("DEV_SECRET_KEY_FILE", str(local_data_dir() / "secret_key"))
    try:
        return load_settings()
    except SettingsError as error:
        raise SystemExit(str(error)) from None


@contextmanager
def dev_database(settings: Settings) -> Iterator[DevDatabase]:
    """The database, migrated, with the first superuser; a local PostgreSQL started for the
    block stops when it ends, one found running is left running. A failed prestart raises
    CalledProcessError."""
    environment = dict(os.environ)
    if settings.DATABASE_URL is not None or settings.POSTGRES_SERVER is not None:
        _prestart(environment)
        yield DevDatabase(environment, stops_local_server=False)
        return
    data_dir = local_data_dir() / "postgres"
    local_postgres = LocalPostgres(data_dir)
    local_postgres.start()
    try:
        url = local_postgres.create_database(settings.POSTGRES_DB)
        environment["DATABASE_URL"] = url.render_as_string(hide_password=False)
        already = "" if local_postgres.started_here else " (already running: left running)"
        print(f"Local PostgreSQL in {data_dir}{already}", flush=True)
        _prestart(environment)
        yield DevDatabase(environment, stops_local_server=local_postgres.started_here)
    finally:
        if local_postgres.started_here:
            local_postgres.stop()


def _prestart(environment: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-m", "app.prestart"], env=environment, check=True)
