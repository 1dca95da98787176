import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from conftest import MakeSettings
from helpers import client_for, inspect_database, login, running_app
from sqlalchemy import Connection, NullPool, inspect, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.config import Settings
from app.core.migrations import alembic_config
from app.models import Base
from app.prestart import prestart
from app.users.models import User, UserRole


async def _users(url: URL) -> list[tuple[str, UserRole]]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(select(User.username, User.role).order_by(User.id))
            return [(row.username, row.role) for row in rows]
    finally:
        await engine.dispose()


async def _login(settings: Settings, username: str, password: str) -> int:
    """Sign in to an app of its own on `settings`' database (no test transaction)."""
    async with running_app(settings) as app, client_for(app) as client:
        return (await login(client, username, password)).status_code


async def test_prestart_migrates_and_creates_the_first_superuser_once(
    scratch_database_url: URL, make_settings: MakeSettings
) -> None:
    settings = make_settings(
        DATABASE_URL=scratch_database_url.render_as_string(hide_password=False),
        FIRST_SUPERUSER="chief",
        FIRST_SUPERUSER_PASSWORD="first-password",
    )
    await asyncio.to_thread(prestart, settings)
    assert await _users(scratch_database_url) == [("chief", UserRole.SUPERADMIN)]
    assert await _login(settings, "chief", "first-password") == 200

    # A second run changes nothing, even with another password configured.
    rerun = settings.model_copy(update={"FIRST_SUPERUSER_PASSWORD": settings.SECRET_KEY})
    await asyncio.to_thread(prestart, rerun)
    assert await _users(scratch_database_url) == [("chief", UserRole.SUPERADMIN)]
    assert await _login(settings, "chief", "first-password") == 200


async def test_prestart_gives_up_on_an_unreachable_database_with_a_clear_message(
    make_settings: MakeSettings,
) -> None:
    settings = make_settings(DATABASE_URL="postgresql://app:hidden-pw@127.0.0.1:1/order_system")
    with pytest.raises(SystemExit) as raised:
        await asyncio.to_thread(prestart, settings, wait_attempts=2)
    message = str(raised.value)
    assert message.startswith("Database postgresql+asyncpg://app:***@127.0.0.1:1/order_system")
    assert "did not answer after 2 attempts" in message
    assert "hidden-pw" not in message


def _prestart_process(url: URL, workdir: Path) -> "subprocess.Popen[str]":
    """`python -m app.prestart` on `url`, as a container runs it; stdout and stderr apart."""
    environment = {
        key: value for key, value in os.environ.items() if key not in Settings.model_fields
    }
    environment.update(
        DATABASE_URL=url.render_as_string(hide_password=False),
        FIRST_SUPERUSER="chief",
        FIRST_SUPERUSER_PASSWORD="first-password",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "app.prestart"],
        cwd=workdir,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_replicas_starting_together_migrate_once_and_all_start(
    scratch_database_url: URL, tmp_path: Path
) -> None:
    """ECS tasks, pods and the migration Job may run prestart at the same moment: each must
    succeed, one after another, without a duplicate table or a duplicate superuser."""
    replicas = [_prestart_process(scratch_database_url, tmp_path) for _ in range(3)]
    outputs = [replica.communicate(timeout=120) for replica in replicas]
    assert [replica.returncode for replica in replicas] == [0, 0, 0], outputs
    assert asyncio.run(_users(scratch_database_url)) == [("chief", UserRole.SUPERADMIN)]


Schema = dict[str, set[str]]


def _schema(connection: Connection) -> tuple[str | None, Schema]:
    """The revision, and each table's columns."""
    revision = MigrationContext.configure(connection).get_current_revision()
    inspector = inspect(connection)
    return revision, {
        table: {column["name"] for column in inspector.get_columns(table)}
        for table in inspector.get_table_names()
    }


def _index_names(connection: Connection) -> set[str]:
    inspector = inspect(connection)
    return {
        index["name"]
        for table in inspector.get_table_names()
        for index in inspector.get_indexes(table)
        if index["name"] is not None
    }


def _function_names(connection: Connection) -> set[str]:
    return set(
        connection.exec_driver_sql(
            "SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace"
        ).scalars()
    )


def _conflict_with_new_index(
    before: Schema, indexes: set[str], functions: set[str]
) -> tuple[str, str, Schema]:
    """For a migration that only adds indexes: the last one, made by hand first (on `id`, as
    only its name matters); the columns stay as they were. For one that adds no index
    either, the last function it creates (a trigger's), likewise."""
    new_indexes = [
        (table.name, index.name)
        for table in Base.metadata.sorted_tables
        for index in sorted(table.indexes, key=lambda index: str(index.name))
        if index.name is not None and index.name not in indexes
    ]
    if not new_indexes:
        name = sorted(functions)[-1]
        return (
            f'CREATE FUNCTION "{name}"() RETURNS trigger LANGUAGE plpgsql '
            "AS $$ BEGIN RETURN NULL; END $$",
            f'DuplicateFunctionError: function "{name}" already exists with same argument types',
            before,
        )
    table, name = new_indexes[-1]
    return (
        f'CREATE INDEX "{name}" ON "{table}" (id)',
        f'DuplicateTableError: relation "{name}" already exists',
        before,
    )


def _conflict_with_head(
    before: Schema, indexes: set[str], functions: set[str]
) -> tuple[str, str, Schema]:
    """DDL that makes the newest migration fail after its first step: the last table it
    creates, or else the last column it adds, or else the last index, or else the last of
    `functions` (those it creates), made by hand first. Returns the DDL, the error the
    migration meets, and the schema the DDL leaves."""
    tables = [table for table in Base.metadata.sorted_tables if table.name not in before]
    if tables:
        name = tables[-1].name
        return (
            f'CREATE TABLE "{name}" (id integer)',
            f'DuplicateTableError: relation "{name}" already exists',
            before | {name: {"id"}},
        )
    columns = [
        (table.name, column.name)
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.name not in before[table.name]
    ]
    if not columns:
        return _conflict_with_new_index(before, indexes, functions)
    table, column = columns[-1]
    return (
        f'ALTER TABLE "{table}" ADD COLUMN "{column}" integer',
        f'DuplicateColumnError: column "{column}" of relation "{table}" already exists',
        before | {table: before[table] | {column}},
    )


async def _execute(url: URL, ddl: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as connection:
            await connection.exec_driver_sql(ddl)
    finally:
        await engine.dispose()


def test_prestart_stops_with_one_line_naming_the_migration_that_failed(
    scratch_database_url: URL, tmp_path: Path
) -> None:
    """A table, column or index made by hand where the newest migration makes one: that migration
    fails midway, the schema stays at the revision before, and prestart says so in one line."""
    head = ScriptDirectory.from_config(alembic_config()).get_revision("head")
    assert head is not None
    assert isinstance(head.down_revision, str)
    config = alembic_config(scratch_database_url)
    command.upgrade(config, "head")
    functions = asyncio.run(inspect_database(scratch_database_url, _function_names))
    command.downgrade(config, head.down_revision)
    _, before = asyncio.run(inspect_database(scratch_database_url, _schema))
    indexes = asyncio.run(inspect_database(scratch_database_url, _index_names))
    new_functions = functions - asyncio.run(inspect_database(scratch_database_url, _function_names))
    ddl, error, after = _conflict_with_head(before, indexes, new_functions)
    asyncio.run(_execute(scratch_database_url, ddl))

    prestart_run = _prestart_process(scratch_database_url, tmp_path)
    _, stderr = prestart_run.communicate(timeout=120)

    assert prestart_run.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert stderr.splitlines()[-1] == (
        f"Migration {head.revision} ({head.doc}) failed and was rolled back, the schema is "
        f"unchanged: {error}"
    )
    assert asyncio.run(inspect_database(scratch_database_url, _schema)) == (
        head.down_revision,
        after,
    )
