"""Migrations over the async engine; the URL comes from the caller or from the settings."""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import pool, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.config import get_settings
from app.models import Base

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name)

target_metadata = Base.metadata
# An arbitrary constant naming this application's migration lock.
MIGRATION_LOCK = 7_301_948_211


def _database_url() -> str:
    url = config.attributes.get("database_url") or get_settings().database_url
    return url.render_as_string(hide_password=False)


def run_migrations_offline() -> None:
    context.configure(
        url=_database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_migrations(connection: Connection) -> None:
    # One transaction for the whole run: PostgreSQL's DDL is transactional, so a failed
    # migration leaves the schema at the previous revision.
    context.configure(
        connection=connection, target_metadata=target_metadata, transaction_per_migration=False
    )
    with context.begin_transaction():
        # Replicas starting together (ECS tasks, Kubernetes pods and the migration Job) take
        # turns here; the later ones then find the schema at head and do nothing.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_async_engine(_database_url(), poolclass=pool.NullPool, hide_parameters=True)
    async with engine.connect() as connection:
        await connection.run_sync(_run_migrations)
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
