"""The cache of who is calling (app/users/callers.py), on a database of its own where commits
are real and PostgreSQL's notifications arrive. Across worker processes and replicas:
tests/resilience/test_callers_across_processes.py."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from conftest import MakeSettings
from helpers import (
    ME_URL,
    LiveShop,
    async_retrying,
    bearer,
    count_statements,
    open_live_shop,
)
from sqlalchemy import NullPool, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from app.core.security import create_access_token
from app.users.callers import USERS_CHANGED_CHANNEL

# Far longer than any test: what a cached caller loses, only a notification took away.
FOREVER = 3600
# A route that needs nothing of its caller but who they are.
ORDERS_URL = "/api/orders"
# Bounds on waiting for a notification or a reconnection, not assertions about speed.
WAIT_SECONDS = 10


@pytest.fixture
async def outside(make_live_settings: MakeSettings) -> AsyncIterator[AsyncEngine]:
    """An engine of the test's own on the shop's database, playing psql or another process."""
    url: URL = make_live_settings().database_url
    engine = create_async_engine(url, poolclass=NullPool)
    yield engine
    await engine.dispose()


async def change_account(
    engine: AsyncEngine, user_id: int, *, notify: bool, **columns: object
) -> None:
    """Change the account from outside the app; without `notify`, its trigger stays silent
    (session_replication_role skips ordinary triggers), as a lost notification would."""
    assignments = ", ".join(f"{name} = :{name}" for name in columns)
    async with engine.begin() as connection:
        if not notify:
            await connection.execute(text("SET LOCAL session_replication_role = replica"))
        await connection.execute(
            text(f"UPDATE users SET {assignments} WHERE id = :id"),
            {**columns, "id": user_id},
        )


@asynccontextmanager
async def cached_customer(
    make_live_settings: MakeSettings, cache_seconds: float
) -> AsyncIterator[tuple[LiveShop, dict[str, str], int]]:
    """A live shop caching callers for `cache_seconds`, one of its customers' headers and id,
    the customer cached by a first read."""
    async with open_live_shop(make_live_settings(CURRENT_USER_CACHE_SECONDS=cache_seconds)) as shop:
        headers = shop.customer_headers[0]
        user_id = await user_id_of(shop, headers)
        assert await list_orders(shop, headers) == 200
        yield shop, headers, user_id


async def user_id_of(shop: LiveShop, headers: dict[str, str]) -> int:
    response = await shop.client.get(ME_URL, headers=headers)
    assert response.status_code == 200, response.text
    user_id: int = response.json()["id"]
    return user_id


async def list_orders(shop: LiveShop, headers: dict[str, str]) -> int:
    return (await shop.client.get(ORDERS_URL, headers=headers, params={"limit": 1})).status_code


async def listener_backends(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND query = :listen"
            ),
            {"listen": f'LISTEN "{USERS_CHANGED_CHANNEL}"'},
        )
        return [int(pid) for pid in rows.scalars()]


def user_lookups(statements: list[str]) -> int:
    return sum(1 for sql in statements if "FROM users" in sql)


async def test_a_caller_is_read_once_however_many_requests_ask_at_once(
    make_live_settings: MakeSettings,
) -> None:
    async with open_live_shop(make_live_settings(CURRENT_USER_CACHE_SECONDS=FOREVER)) as shop:
        headers = shop.customer_headers[0]
        with count_statements(shop.app.state.engine) as cold:
            statuses = await asyncio.gather(*(list_orders(shop, headers) for _ in range(20)))
        with count_statements(shop.app.state.engine) as warm:
            statuses += await asyncio.gather(*(list_orders(shop, headers) for _ in range(20)))

    assert set(statuses) == {200}
    assert user_lookups(cold) == 1
    assert user_lookups(warm) == 0


async def test_without_the_cache_every_request_reads_its_caller(
    make_live_settings: MakeSettings, outside: AsyncEngine
) -> None:
    async with open_live_shop(make_live_settings(CURRENT_USER_CACHE_SECONDS=0)) as shop:
        headers = shop.customer_headers[0]
        with count_statements(shop.app.state.engine) as statements:
            for _ in range(3):
                assert await list_orders(shop, headers) == 200
        assert await listener_backends(outside) == []

    assert user_lookups(statements) == 3


async def test_a_change_made_outside_the_app_reaches_it_by_notification(
    make_live_settings: MakeSettings, outside: AsyncEngine
) -> None:
    async with cached_customer(make_live_settings, FOREVER) as (shop, headers, user_id):
        # A silent change is not seen: the caller is served from the cache...
        await change_account(outside, user_id, notify=False, is_active=False)
        assert await list_orders(shop, headers) == 200
        await change_account(outside, user_id, notify=False, is_active=True)

        # ...while the same change, committed with its notification, is.
        await change_account(outside, user_id, notify=True, is_active=False)
        async for attempt in async_retrying(WAIT_SECONDS):
            with attempt:
                assert await list_orders(shop, headers) == 401


async def test_while_the_listening_connection_is_lost_nothing_is_served_from_the_cache(
    make_live_settings: MakeSettings, outside: AsyncEngine
) -> None:
    async with cached_customer(make_live_settings, FOREVER) as (shop, headers, user_id):
        (listener,) = await listener_backends(outside)

        async with outside.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": listener})
        # Changes meanwhile send notifications nobody hears: the app reads the account again.
        await change_account(outside, user_id, notify=False, is_active=False)
        async for attempt in async_retrying(WAIT_SECONDS):
            with attempt:
                assert await list_orders(shop, headers) == 401
        await change_account(outside, user_id, notify=False, is_active=True)

        async for attempt in async_retrying(WAIT_SECONDS):
            with attempt:
                backends = await listener_backends(outside)
                assert backends
                assert backends != [listener]
        # Listening again, it caches again.
        assert await list_orders(shop, headers) == 200
        await change_account(outside, user_id, notify=False, is_active=False)
        assert await list_orders(shop, headers) == 200


async def test_a_change_nobody_announced_is_seen_once_the_cache_time_is_up(
    make_live_settings: MakeSettings, outside: AsyncEngine
) -> None:
    async with cached_customer(make_live_settings, 1) as (shop, headers, user_id):
        await change_account(outside, user_id, notify=False, is_active=False)
        async for attempt in async_retrying(WAIT_SECONDS):
            with attempt:
                assert await list_orders(shop, headers) == 401


async def test_a_token_newer_than_the_cached_caller_is_checked_against_the_database(
    make_live_settings: MakeSettings, outside: AsyncEngine
) -> None:
    async with cached_customer(make_live_settings, FOREVER) as (shop, old, user_id):
        # The password changes without a word to the app; the cache still has version 0.
        await change_account(outside, user_id, notify=False, token_version=1)
        new = bearer(create_access_token(subject=user_id, settings=shop.settings, token_version=1))

        assert await list_orders(shop, new) == 200
        # Having read the account again, the cache knows the old token's version is gone.
        assert await list_orders(shop, old) == 401
