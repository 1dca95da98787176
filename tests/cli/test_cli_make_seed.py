"""`make seed`: the dev runner's database, started for the seeding and stopped afterwards, or,
beside a running `make dev`, used as it runs and left running."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
from helpers import free_port
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_fixed

from app.core.config import DEV_SUPERUSER_PASSWORD, Settings

# Far beyond what starting `make dev` takes; only a broken runner makes a test wait this long.
START_SECONDS = 120.0


def _unconfigured_environment(working_dir: Path) -> dict[str, str]:
    """Ours, with no database configured and `.data` under `working_dir`."""
    environment = {
        key: value for key, value in os.environ.items() if key not in Settings.model_fields
    }
    environment["LOCAL_DATA_DIR"] = str(working_dir / "data")
    return environment


def _make_seed(working_dir: Path, *arguments: str) -> str:
    """`python -m devtools.seed ARGS` as `make seed` runs it, with no database configured."""
    process = subprocess.run(
        [sys.executable, "-m", "devtools.seed", *arguments],
        cwd=working_dir,  # no `.env` here: nothing configures a database
        env=_unconfigured_environment(working_dir),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    return process.stdout


def test_make_seed_runs_on_the_local_postgres_and_stops_it(postgres_tmp_path: Path) -> None:
    postgres_dir = postgres_tmp_path / "data" / "postgres"

    first = _make_seed(postgres_tmp_path, "--products", "5", "--users", "2", "--orders", "20")
    assert f"Local PostgreSQL in {postgres_dir}" in first
    assert "Created 5 products (SKUs DEMO1-*), 2 users (demo1.*) and 20 orders" in first
    assert not (postgres_dir / "postmaster.pid").exists()

    # Again, with the defaults: a second set beside the first, in the same kept cluster.
    second = _make_seed(postgres_tmp_path)
    assert "Created 200 products (SKUs DEMO2-*), 50 users (demo2.*) and 1000 orders" in second
    assert "--seed 1" in second
    assert not (postgres_dir / "postmaster.pid").exists()


@retry(
    stop=stop_after_delay(START_SECONDS),
    wait=wait_fixed(0.5),
    retry=retry_if_exception_type((httpx.HTTPError, AssertionError)),
    reraise=True,
)
def _wait_until_healthy(api: str) -> None:
    response = httpx.get(f"{api}/api/health", timeout=5)
    assert response.json() == {"status": "healthy", "database": "connected"}, response.text


def _assert_the_api_uses_its_database(api: str) -> None:
    health = httpx.get(f"{api}/api/health", timeout=5)
    assert health.status_code == 200, health.text
    assert health.json()["database"] == "connected"
    sign_in = httpx.post(
        f"{api}/api/auth/login",
        json={"username": "superAdmin", "password": DEV_SUPERUSER_PASSWORD},
        timeout=30,
    )
    assert sign_in.status_code == 200, sign_in.text


def test_make_seed_beside_make_dev_leaves_the_dev_database_running(
    postgres_tmp_path: Path,
) -> None:
    postgres_dir = postgres_tmp_path / "data" / "postgres"
    port = free_port()
    # `make api`, which is `make dev` without the SPA: the same database handling.
    dev = subprocess.Popen(
        [sys.executable, "-m", "devtools.dev"],
        cwd=postgres_tmp_path,
        env=_unconfigured_environment(postgres_tmp_path) | {"API_PORT": str(port)},
    )
    api = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(api)

        output = _make_seed(postgres_tmp_path, "--products", "3", "--users", "1", "--orders", "5")
        assert f"Local PostgreSQL in {postgres_dir} (already running: left running)" in output
        assert "Created 3 products" in output

        assert (postgres_dir / "postmaster.pid").exists()
        _assert_the_api_uses_its_database(api)
    finally:
        dev.send_signal(signal.SIGINT)  # Ctrl-C
        dev.wait(timeout=60)
    # `make dev` started the server, so `make dev` stops it.
    assert not (postgres_dir / "postmaster.pid").exists()
