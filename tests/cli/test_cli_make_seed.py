"""`make seed`: the dev runner's database, started for the seeding and stopped afterwards, or,
beside a running `make dev`, used as it runs and left running."""

import subprocess
import sys
from pathlib import Path

import httpx
from dev_support import ctrl_c, dev_runner, unconfigured_environment, wait_until_ok
from helpers import TOKEN_URL, free_port

from app.core.config import DEV_SUPERUSER_PASSWORD


def _make_seed(working_dir: Path, *arguments: str) -> str:
    """`python -m devtools.seed ARGS` as `make seed` runs it, with no database configured."""
    process = subprocess.run(
        [sys.executable, "-m", "devtools.seed", *arguments],
        cwd=working_dir,  # no `.env` here: nothing configures a database
        env=unconfigured_environment(working_dir),
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


def test_make_seed_beside_make_dev_leaves_the_dev_database_running(
    postgres_tmp_path: Path,
) -> None:
    postgres_dir = postgres_tmp_path / "data" / "postgres"
    port = free_port()
    api = f"http://127.0.0.1:{port}"
    # `make api` is `make dev` without the SPA: the same database handling.
    with dev_runner(postgres_tmp_path, API_PORT=port) as runner:
        wait_until_ok(f"{api}/api/health", runner)

        output = _make_seed(postgres_tmp_path, "--products", "3", "--users", "1", "--orders", "5")
        assert f"Local PostgreSQL in {postgres_dir} (already running: left running)" in output
        assert "Created 3 products" in output

        assert (postgres_dir / "postmaster.pid").exists()
        # The health verdict is a second old at most: the seeding took longer.
        health = httpx.get(f"{api}/api/health", timeout=30)
        assert health.json() == {"status": "healthy", "database": "connected"}, health.text
        token = httpx.post(
            f"{api}{TOKEN_URL}",
            data={"username": "superAdmin", "password": DEV_SUPERUSER_PASSWORD},
            timeout=30,
        )
        assert token.status_code == 200, token.text
        output = ctrl_c(runner)
    # `make dev` started the server, so `make dev` stops it.
    assert "Stopped everything, the local PostgreSQL included." in output
    assert not (postgres_dir / "postmaster.pid").exists()
