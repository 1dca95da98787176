"""A migration that fails halfway through: PostgreSQL's DDL is transactional and env.py runs the
whole upgrade in one transaction, so what it did before failing is gone, the schema stays at
the previous revision, and the failure names the revision in one line."""

import asyncio
import os
from pathlib import Path

import pytest
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from helpers import inspect_database
from sqlalchemy import Connection, inspect
from sqlalchemy.engine import URL

from app.core.migrations import MIGRATIONS_DIR, MigrationFailed, alembic_config, upgrade_to_head

BROKEN_REVISION = "0badc0ffee01"
BROKEN_MIGRATION = '''"""creates a table, then fails

Revision ID: {revision}
Revises: {down_revision}
"""

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{down_revision}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("doomed", sa.Column("id", sa.Integer, primary_key=True))
    op.add_column("products", sa.Column("doomed_note", sa.Text))
    op.execute("INSERT INTO no_such_table VALUES (1)")


def downgrade() -> None:
    op.drop_column("products", "doomed_note")
    op.drop_table("doomed")
'''


def _schema(connection: Connection) -> tuple[str | None, set[str], set[str]]:
    inspector = inspect(connection)
    return (
        MigrationContext.configure(connection).get_current_revision(),
        set(inspector.get_table_names()),
        {column["name"] for column in inspector.get_columns("products")},
    )


async def test_a_migration_failing_midway_leaves_the_schema_at_the_previous_revision(
    migrated_database_url: URL, tmp_path: Path
) -> None:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    extra_versions = tmp_path / "versions"
    extra_versions.mkdir()
    (extra_versions / f"{BROKEN_REVISION}_fails.py").write_text(
        BROKEN_MIGRATION.format(revision=BROKEN_REVISION, down_revision=head)
    )
    config = alembic_config(migrated_database_url)
    config.set_main_option("path_separator", "os")
    config.set_main_option(
        "version_locations",
        os.pathsep.join([str(MIGRATIONS_DIR / "versions"), str(extra_versions)]),
    )
    before = await inspect_database(migrated_database_url, _schema)
    assert before[0] == head

    with pytest.raises(MigrationFailed) as raised:
        await asyncio.to_thread(upgrade_to_head, config)

    assert str(raised.value) == (
        f"Migration {BROKEN_REVISION} (creates a table, then fails) failed and was rolled back, "
        'the schema is unchanged: UndefinedTableError: relation "no_such_table" does not exist'
    )
    # The table it created and the column it added went with the transaction.
    assert await inspect_database(migrated_database_url, _schema) == before
