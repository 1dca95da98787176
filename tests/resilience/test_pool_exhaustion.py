"""Slow requests, made slow for real by a row lock held outside the API: more of them than the
pool has connections get a prompt 503 `database_busy` instead of hanging, a request that waits
longer than the lock or statement timeout gives up the same way with nothing saved, and the
service answers normally as soon as the lock is gone."""

import asyncio
from typing import Any

import httpx
import pytest
from conftest import MakeSettings
from helpers import ME_URL, LiveShop, assert_error, open_live_shop, wait_for_lock_waiters
from resilience_support import (
    WAIT_SECONDS,
    assert_no_partial_orders,
    place_order,
    product_locked,
)
from sqlalchemy.engine import URL

INITIAL_STOCK = 10


def _assert_busy(response: httpx.Response) -> None:
    body = assert_error(response, 503, "database_busy")
    assert body["detail"]
    assert response.headers["Retry-After"] == "1"


def _settings(make_settings: MakeSettings, url: URL, **overrides: Any) -> Any:
    return make_settings(DATABASE_URL=url.render_as_string(hide_password=False), **overrides)


async def test_more_slow_requests_than_connections_get_a_prompt_503_and_the_pool_recovers(
    migrated_database_url: URL, make_settings: MakeSettings
) -> None:
    settings = _settings(
        make_settings,
        migrated_database_url,
        DATABASE_POOL_SIZE=1,
        DATABASE_MAX_OVERFLOW=0,
        DATABASE_POOL_TIMEOUT=1,
        # No lock timeout: the first order holds the only connection until the lock goes.
        DATABASE_LOCK_TIMEOUT=0,
    )
    async with asyncio.timeout(WAIT_SECONDS), open_live_shop(settings) as shop:
        product = await shop.add_product(stock=INITIAL_STOCK)
        first, *others = shop.customer_headers
        async with product_locked(migrated_database_url, product):
            slow = asyncio.create_task(place_order(shop.client, first, {product: 1}))
            await wait_for_lock_waiters(migrated_database_url, 1)
            crowd = await asyncio.gather(
                *(shop.client.get(ME_URL, headers=headers) for headers in others[:3]),
                *(place_order(shop.client, headers, {product: 1}) for headers in others[3:6]),
            )
            for response in crowd:
                _assert_busy(response)
            # Liveness needs no connection: a busy pool restarts nothing.
            alive = await shop.client.get("/livez")
            assert (alive.status_code, alive.json()) == (200, {"status": "alive"})
        assert (await slow).status_code == 201, (await slow).text
        await _assert_serves_again(shop, product)
    assert await assert_no_partial_orders(migrated_database_url, {product: INITIAL_STOCK}) == 2


@pytest.mark.parametrize(
    "timeouts",
    [
        {"DATABASE_LOCK_TIMEOUT": 0.5},
        {"DATABASE_LOCK_TIMEOUT": 0, "DATABASE_STATEMENT_TIMEOUT": 0.5},
    ],
    ids=["lock_timeout", "statement_timeout"],
)
async def test_an_order_kept_waiting_for_a_row_lock_gives_up_with_503_and_saves_nothing(
    migrated_database_url: URL, make_settings: MakeSettings, timeouts: dict[str, float]
) -> None:
    settings = _settings(make_settings, migrated_database_url, **timeouts)
    async with asyncio.timeout(WAIT_SECONDS), open_live_shop(settings) as shop:
        product = await shop.add_product(stock=INITIAL_STOCK)
        async with product_locked(migrated_database_url, product):
            _assert_busy(await place_order(shop.client, shop.customer_headers[0], {product: 2}))
        await _assert_serves_again(shop, product)
    assert await assert_no_partial_orders(migrated_database_url, {product: INITIAL_STOCK}) == 1


async def _assert_serves_again(shop: LiveShop, product: int) -> None:
    response = await place_order(shop.client, shop.customer_headers[-1], {product: 1})
    assert response.status_code == 201, response.text
    assert (await shop.client.get(ME_URL, headers=shop.customer_headers[0])).status_code == 200
