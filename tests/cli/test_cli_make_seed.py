"""`make seed`: the dev runner's database, started for the seeding and stopped afterwards."""

import os
import subprocess
import sys
from pathlib import Path

from app.core.config import Settings


def _make_seed(working_dir: Path, *arguments: str) -> str:
    """`python -m devtools.seed ARGS` as `make seed` runs it, with no database configured."""
    environment = {
        key: value for key, value in os.environ.items() if key not in Settings.model_fields
    }
    environment["LOCAL_DATA_DIR"] = str(working_dir / "data")
    process = subprocess.run(
        [sys.executable, "-m", "devtools.seed", *arguments],
        cwd=working_dir,  # no `.env` here: nothing configures a database
        env=environment,
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
