"""Helpers shared by the CLI tests: a migrated database of their own, running a command on it
in-process, and reading what the command left there.

CLI tests are plain `def` tests: the commands run `asyncio.run` themselves, which can't
happen inside the loop that runs `async def` tests.
"""

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from alembic import command
from sqlalchemy import NullPool, Row, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine
from typer.testing import CliRunner, Result

from app.cli.main import app
from app.core.migrations import alembic_config
from app.core.security import password_context
from app.users.models import UserRole

ADMIN_PASSWORD = "cli-admin-password"


def migrated(url: URL) -> URL:
    command.upgrade(alembic_config(url), "head")
    return url


def run(url: URL, *args: str, input: str | None = None) -> Result:
    """`python -m app.cli ARGS` in-process, with DATABASE_URL naming `url`."""
    return CliRunner().invoke(
        app, list(args), input=input, env={"DATABASE_URL": _plain(url), "ENVIRONMENT": "test"}
    )


def run_ok(url: URL, *args: str, input: str | None = None) -> str:
    """A command that must succeed; returns what it printed."""
    result = run(url, *args, input=input)
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def assert_fails(result: Result, *messages: str) -> None:
    """Exit code 1 with each of `messages` on stderr, and no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    for message in messages:
        assert message in result.stderr, result.stderr
    assert "Traceback" not in result.output


def table_row(output: str, first_cell: str) -> list[str]:
    """The other cells of the row of a printed table that starts with `first_cell`."""
    for line in output.splitlines():
        cells = [cell.strip() for cell in line.strip("│ ").split("│")]
        if cells[0] == first_cell:
            return cells[1:]
    raise AssertionError(f"no row {first_cell!r} in:\n{output}")


def fetch(url: URL, sql: str, **params: Any) -> list[Row[Any]]:
    """The rows of one statement, committed at once (CREATE DATABASE too)."""

    async def execute() -> list[Row[Any]]:
        engine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as connection:
                result = await connection.execute(text(sql), params)
                return list(result.all()) if result.returns_rows else []
        finally:
            await engine.dispose()

    return asyncio.run(execute())


def scalar(url: URL, sql: str, **params: Any) -> Any:
    return fetch(url, sql, **params)[0][0]


def password_matches(url: URL, username: str, password: str) -> bool:
    stored = scalar(url, "SELECT hashed_password FROM users WHERE username = :u", u=username)
    return bool(password_context.verify(password, stored))


def create_admin(url: URL, username: str = "cli-admin") -> None:
    run_ok(
        url,
        "create-user", username,
        "--email", f"{username}@example.com",
        "--role", UserRole.ADMIN.value,
        "--password", ADMIN_PASSWORD,
    )  # fmt: skip


@contextmanager
def another_database(url: URL) -> Iterator[URL]:
    """A second migrated database on the same server, dropped afterwards."""
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    fetch(url, f'CREATE DATABASE "{name}"')
    try:
        yield migrated(url.set(database=name))
    finally:
        fetch(url, f'DROP DATABASE "{name}" WITH (FORCE)')


def _plain(url: URL) -> str:
    return url.render_as_string(hide_password=False)
