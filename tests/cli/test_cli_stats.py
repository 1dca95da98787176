"""`python -m app.cli stats`, and the CLI as a real process: `python -m app.cli` from anywhere."""

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_support import migrated, run_ok, table_row
from sqlalchemy import NullPool
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

from app.core.config import Settings
from app.orders.models import OrderStatus
from app.stats.schemas import Stats
from app.stats.service import read_stats

COMMANDS = ("create-user", "seed-demo", "cleanup-orders", "stats", "import-products")


@pytest.fixture
def database(scratch_database_url: URL) -> URL:
    url = migrated(scratch_database_url)
    run_ok(url, "seed-demo", "--products", "40", "--users", "8", "--orders", "400", "--seed", "5")
    return url


def _stats(url: URL, low_stock: int) -> Stats:
    async def read() -> Stats:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with AsyncSession(engine) as session:
                return await read_stats(session, low_stock=low_stock)
        finally:
            await engine.dispose()

    return asyncio.run(read())


def _assert_shows(output: str, stats: Stats, low_stock: int) -> None:
    assert table_row(output, "Users") == [str(stats.users)]
    assert table_row(output, "Products (not archived)") == [str(stats.products)]
    low = f"Active products with stock < {low_stock}"
    assert table_row(output, low) == [str(stats.low_stock_products)]
    assert table_row(output, "Orders") == [str(stats.orders)]
    assert table_row(output, "Revenue (paid, shipped, completed)") == [f"{stats.revenue:.2f}"]
    for total in stats.orders_by_status:
        assert table_row(output, total.status.value) == [
            str(total.count),
            f"{total.total_amount:.2f}",
        ]


@pytest.mark.parametrize("low_stock", [0, 10, 100])
def test_stats_shows_the_numbers_of_the_api(database: URL, low_stock: int) -> None:
    output = run_ok(database, "stats", "--low-stock", str(low_stock))
    stats = _stats(database, low_stock)
    assert stats.orders == 400
    assert stats.users == 8
    _assert_shows(output, stats, low_stock)
    statuses = [line.split("│")[1].strip() for line in output.splitlines() if line.count("│") == 4]
    assert statuses == list(OrderStatus)


def test_stats_defaults_to_a_low_stock_threshold_of_10(database: URL) -> None:
    _assert_shows(run_ok(database, "stats"), _stats(database, 10), 10)


@pytest.mark.parametrize("command", [(), *((name,) for name in COMMANDS)])
def test_every_command_has_help(scratch_database_url: URL, command: tuple[str, ...]) -> None:
    output = run_ok(scratch_database_url, *command, "--help")
    assert "Usage:" in output


def _cli_process(*args: str, cwd: Path, database: URL | None = None) -> str:
    """`python -m app.cli ARGS` as a process of its own in `cwd`, with none of our settings."""
    environment = {
        key: value for key, value in os.environ.items() if key not in Settings.model_fields
    }
    if database is not None:
        environment["DATABASE_URL"] = database.render_as_string(hide_password=False)
    process = subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert process.returncode == 0, process.stderr
    return process.stdout


def test_python_m_app_cli_runs_from_any_directory(tmp_path: Path) -> None:
    output = _cli_process("--help", cwd=tmp_path)
    assert "Usage: python -m app.cli" in output
    for name in COMMANDS:
        assert name in output


def test_python_m_app_cli_stats_reads_database_url(database: URL, tmp_path: Path) -> None:
    output = _cli_process("stats", "--low-stock", "25", cwd=tmp_path, database=database)
    _assert_shows(output, _stats(database, 25), 25)
