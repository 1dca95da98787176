"""PostgreSQL stops under a running API with orders in flight: every request fails fast with a
503 the client can act on, the health check says so, the same process serves again once the
database is back, and no order is left half written."""

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import httpx
import pytest
from helpers import assert_error
from resilience_support import (
    ApiProcess,
    api_process,
    assert_no_partial_orders,
    assert_no_stack_traces,
    create_products,
    place_order,
    product_locked,
    wait_for_lock_waiters,
)
from sqlalchemy.engine import URL

from devtools.local_postgres import LocalPostgres

IN_FLIGHT = 4


@pytest.fixture
def own_postgres() -> Iterator[LocalPostgres]:
    """A PostgreSQL of this test's own, stopping it leaves the session's server alone; durable,
    as in production, so that an immediate shutdown loses no committed order."""
    with LocalPostgres.temporary() as server:
        yield server


async def _health(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get("/api/health")


async def _wait_until_healthy(client: httpx.AsyncClient) -> None:
    for _ in range(120):
        if (await _health(client)).status_code == 200:
            return
        await asyncio.sleep(0.5)
    raise AssertionError("the API never saw the database again")


def _assert_unavailable(response: httpx.Response) -> None:
    body = assert_error(response, 503, "database_unavailable")
    assert body["detail"]
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize("shutdown", ["fast", "immediate"])
async def test_orders_fail_with_503_while_the_database_is_down_and_succeed_after(
    own_postgres: LocalPostgres, tmp_path: Path, shutdown: Literal["fast", "immediate"]
) -> None:
    url: URL = own_postgres.create_database("shop")
    with api_process(
        url,
        workdir=tmp_path / "api",
        WEB_CONCURRENCY="1",
        DATABASE_POOL_TIMEOUT="5",
        DATABASE_CONNECT_TIMEOUT="5",
    ) as api:
        await _outage_and_recovery(api, own_postgres, url, shutdown=shutdown)
        assert_no_stack_traces(api)


async def _outage_and_recovery(
    api: ApiProcess, server: LocalPostgres, url: URL, *, shutdown: Literal["fast", "immediate"]
) -> None:
    headers = await api.superuser_headers()
    async with api.client() as client:
        initial_stock = await create_products(client, headers, 100, 50)
        product, other = initial_stock
        assert (await place_order(client, headers, {product: 1, other: 2})).status_code == 201

        # Orders waiting for the product's lock when PostgreSQL shuts down.
        async with product_locked(url, product):
            in_flight = [
                asyncio.create_task(place_order(client, headers, {other: 1, product: 3}))
                for _ in range(IN_FLIGHT)
            ]
            await wait_for_lock_waiters(url, IN_FLIGHT)
            await asyncio.to_thread(server.stop, mode=shutdown)
            for response in await asyncio.gather(*in_flight):
                _assert_unavailable(response)

        # While it is down: new requests get the same answer, and health says unhealthy.
        _assert_unavailable(await place_order(client, headers, {product: 1}))
        health = await _health(client)
        assert (health.status_code, health.json()["status"]) == (503, "unhealthy")

        await asyncio.to_thread(server.start)
        await _wait_until_healthy(client)
        recovered = await place_order(client, headers, {product: 2, other: 1})
        assert recovered.status_code == 201, recovered.text

    assert api.process.poll() is None, "the same process serves again"
    assert await assert_no_partial_orders(url, initial_stock) == 2


async def test_orders_fail_with_503_while_the_database_hangs_and_succeed_after(
    own_postgres: LocalPostgres, tmp_path: Path
) -> None:
    """A database that stops answering without closing anything (a hung host, a lost
    network): the driver's own timeout turns waiting forever into a 503."""
    url: URL = own_postgres.create_database("shop")
    with api_process(
        url,
        workdir=tmp_path / "api",
        WEB_CONCURRENCY="1",
        DATABASE_CONNECT_TIMEOUT="2",
        DATABASE_STATEMENT_TIMEOUT="2",
    ) as api:
        headers = await api.superuser_headers()
        async with api.client() as client:
            initial_stock = await create_products(client, headers, 100)
            (product,) = initial_stock
            placed = await place_order(client, headers, {product: 1})
            assert placed.status_code == 201, placed.text

            with own_postgres.frozen():
                hanging = await asyncio.gather(
                    *(place_order(client, headers, {product: 3}) for _ in range(IN_FLIGHT))
                )
                for response in hanging:
                    _assert_unavailable(response)
                health = await _health(client)
                assert (health.status_code, health.json()["status"]) == (503, "unhealthy")

            await _wait_until_healthy(client)
            recovered = await place_order(client, headers, {product: 2})
            assert recovered.status_code == 201, recovered.text
        assert_no_stack_traces(api)
    assert await assert_no_partial_orders(url, initial_stock) == 2
