import asyncio
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from helpers import inspect_database
from sqlalchemy import Connection, inspect
from sqlalchemy.engine import URL

from app.core.migrations import alembic_config
from app.models import Base


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


def _drift(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection)
    return list(compare_metadata(context, Base.metadata))


async def _upgrade(url: URL, revision: str = "head") -> None:
    # env.py runs its own event loop, so Alembic gets a thread of its own.
    await asyncio.to_thread(command.upgrade, alembic_config(url), revision)


async def _downgrade(url: URL, revision: str) -> None:
    await asyncio.to_thread(command.downgrade, alembic_config(url), revision)


async def test_migrations_go_up_down_and_up_again(scratch_database_url: URL) -> None:
    every_table = set(Base.metadata.tables)
    await _upgrade(scratch_database_url)
    assert await inspect_database(scratch_database_url, _tables) == every_table

    await _downgrade(scratch_database_url, "base")
    assert await inspect_database(scratch_database_url, _tables) == set()

    await _upgrade(scratch_database_url)
    assert await inspect_database(scratch_database_url, _tables) == every_table


async def test_the_migrated_schema_matches_the_models(scratch_database_url: URL) -> None:
    await _upgrade(scratch_database_url)
    assert await inspect_database(scratch_database_url, _drift) == []
