from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

import pytest
from conftest import MakeSettings
from fastapi import Request
from helpers import running_app
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from app.core.config import Settings
from app.core.database import create_engine
from app.core.dependencies import get_read_sessionmaker, get_sessionmaker


async def _limits(make_settings: MakeSettings, *, time_limits: bool) -> tuple[str, str]:
    settings = make_settings(DATABASE_LOCK_TIMEOUT=1.5, DATABASE_STATEMENT_TIMEOUT=20)
    engine = create_engine(settings, time_limits=time_limits)
    try:
        async with engine.connect() as connection:
            lock = await connection.scalar(text("SHOW lock_timeout"))
            statement = await connection.scalar(text("SHOW statement_timeout"))
            return str(lock), str(statement)
    finally:
        await engine.dispose()


async def test_the_api_sessions_wait_no_longer_than_the_configured_limits(
    make_settings: MakeSettings,
) -> None:
    assert await _limits(make_settings, time_limits=True) == ("1500ms", "20s")


async def test_maintenance_sessions_run_without_time_limits(make_settings: MakeSettings) -> None:
    assert await _limits(make_settings, time_limits=False) == ("0", "0")


async def _in_one_transaction(sessions: async_sessionmaker[AsyncSession]) -> bool:
    """Whether these sessions run their statements in one transaction: an id assigned by one
    statement is still assigned at the next only inside a transaction."""
    async with sessions() as session:
        await session.execute(select(func.pg_current_xact_id()))
        assigned = await session.scalar(select(func.pg_current_xact_id_if_assigned()))
    return assigned is not None


@pytest.mark.parametrize(
    ("sessionmaker_of", "transaction"), [(get_read_sessionmaker, False), (get_sessionmaker, True)]
)
async def test_routes_that_only_read_run_without_a_transaction(
    settings: Settings,
    sessionmaker_of: Callable[[Request], Awaitable[async_sessionmaker[AsyncSession]]],
    transaction: bool,
) -> None:
    async with running_app(settings) as app:
        request = Request({"type": "http", "app": app})
        assert await _in_one_transaction(await sessionmaker_of(request)) is transaction


async def test_the_pool_recovers_from_connections_the_server_dropped(settings: Settings) -> None:
    """No pre-ping: the request on a dropped connection fails, and every other connection
    opened before it is replaced, so the next requests all succeed."""
    engine = create_engine(settings.model_copy(update={"DATABASE_POOL_SIZE": 3}))
    killer = create_async_engine(settings.database_url, poolclass=NullPool)
    try:
        async with (
            engine.connect() as first,
            engine.connect() as second,
            engine.connect() as third,
        ):
            pids = [await c.scalar(text("SELECT pg_backend_pid()")) for c in (first, second, third)]
        async with killer.connect() as connection:
            await connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM unnest(CAST(:pids AS int[])) pid"),
                {"pids": pids},
            )
        with pytest.raises(DBAPIError) as failure:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        assert failure.value.connection_invalidated
        for _ in range(3):
            async with engine.connect() as connection:
                assert await connection.scalar(text("SELECT 1")) == 1
    finally:
        await engine.dispose()
        await killer.dispose()


async def test_the_default_pool_keeps_the_connections_it_opens(settings: Settings) -> None:
    """A burst as big as the default pool allows, twice: the second is served by the very
    backends of the first. (An overflow connection is closed when it comes back, so a pool
    running beyond its size would start a backend per request.)"""
    defaults = {
        name: Settings.model_fields[name].default
        for name in ("DATABASE_POOL_SIZE", "DATABASE_MAX_OVERFLOW")
    }
    engine = create_engine(settings.model_copy(update=defaults))
    burst = defaults["DATABASE_POOL_SIZE"] + defaults["DATABASE_MAX_OVERFLOW"]

    async def backends() -> set[int]:
        async with AsyncExitStack() as stack:
            connections = [await stack.enter_async_context(engine.connect()) for _ in range(burst)]
            return {await c.scalar(text("SELECT pg_backend_pid()")) for c in connections}

    try:
        first = await backends()
        assert len(first) == burst
        assert await backends() == first
    finally:
        await engine.dispose()
