"""PostgreSQL fails under a running API with orders in flight: shut down (fast or immediate)
or hung (every process stopped). Every request fails fast with a 503 the client can act on,
the health check says so, the same process serves again once the database is back, and no
order is left half written."""

import asyncio
from collections.abc import Iterator
from typing import Literal

import httpx
import pytest
from helpers import assert_error, wait_for_lock_waiters
from resilience_support import (
    ApiProcess,
    api_process,
    assert_no_partial_orders,
    assert_no_stack_traces,
    create_products,
    place_order,
    product_locked,
)

from app.core.health import DATABASE_VERDICT_SECONDS
from devtools.local_postgres import LocalPostgres

IN_FLIGHT = 4


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[LocalPostgres]:
    """A PostgreSQL of these tests' own, stopping it leaves the session's server alone;
    durable, as in production, so that an immediate shutdown loses no committed order."""
    with LocalPostgres.temporary() as server:
        yield server


@pytest.fixture(scope="module")
def api(
    own_postgres: LocalPostgres, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiProcess]:
    """One API process through every outage here, whose log must show no stack trace."""
    with api_process(
        own_postgres.create_database("shop"),
        workdir=tmp_path_factory.mktemp("api"),
        WEB_CONCURRENCY="1",
        DATABASE_CONNECT_TIMEOUT="2",
        # The driver's own limit follows, 5 s later: what ends the wait on a hung database.
        DATABASE_STATEMENT_TIMEOUT="2",
    ) as api:
        yield api
        assert api.process.poll() is None, "the same process served throughout"
        assert_no_stack_traces(api)


@pytest.fixture(autouse=True)
def database_up_afterwards(own_postgres: LocalPostgres) -> Iterator[None]:
    """Whatever a test here fails at, the next one starts with its database up (a no-op when
    it already runs), so one failure reads as one."""
    yield
    own_postgres.start()


async def _health(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get("/api/health")


async def _wait_until_healthy(client: httpx.AsyncClient) -> None:
    for _ in range(120):
        if (await _health(client)).status_code == 200:
            assert (await client.get("/readyz")).status_code == 200
            return
        await asyncio.sleep(0.5)
    raise AssertionError("the API never saw the database again")


def _assert_unavailable(response: httpx.Response) -> None:
    body = assert_error(response, 503, "database_unavailable")
    assert body["detail"]
    assert int(response.headers["Retry-After"]) > 0


async def _assert_unhealthy(client: httpx.AsyncClient) -> None:
    """Health and readiness say the database is gone; liveness, which never asks it, that the
    process is fine (an orchestrator takes the replica out of traffic, restarts nothing)."""
    # No older verdict of the database is given out than this.
    await asyncio.sleep(DATABASE_VERDICT_SECONDS)
    for path in ("/api/health", "/health", "/readyz"):
        health = await client.get(path)
        assert (health.status_code, health.json()["status"]) == (503, "unhealthy"), path
    alive = await client.get("/livez")
    assert (alive.status_code, alive.json()) == (200, {"status": "alive"})


async def _order_ok(
    client: httpx.AsyncClient, headers: dict[str, str], quantities: dict[int, int]
) -> None:
    response = await place_order(client, headers, quantities)
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("shutdown", ["fast", "immediate"])
async def test_orders_fail_with_503_while_the_database_is_down_and_succeed_after(
    api: ApiProcess, own_postgres: LocalPostgres, shutdown: Literal["fast", "immediate"]
) -> None:
    url = api.database_url
    headers = await api.superuser_headers()
    async with api.client() as client:
        initial_stock = await create_products(client, headers, 100, 50)
        product, other = initial_stock
        await _order_ok(client, headers, {product: 1, other: 2})

        # Orders waiting for the product's lock when PostgreSQL shuts down.
        async with product_locked(url, product):
            in_flight = [
                asyncio.create_task(place_order(client, headers, {other: 1, product: 3}))
                for _ in range(IN_FLIGHT)
            ]
            await wait_for_lock_waiters(url, IN_FLIGHT)
            await asyncio.to_thread(own_postgres.stop, mode=shutdown)
            for response in await asyncio.gather(*in_flight):
                _assert_unavailable(response)

        # While it is down: new requests get the same answer, and health says unhealthy.
        _assert_unavailable(await place_order(client, headers, {product: 1}))
        await _assert_unhealthy(client)

        await asyncio.to_thread(own_postgres.start)
        await _wait_until_healthy(client)
        await _order_ok(client, headers, {product: 2, other: 1})
    assert await assert_no_partial_orders(url, initial_stock) == 2


async def test_orders_fail_with_503_while_the_database_hangs_and_succeed_after(
    api: ApiProcess, own_postgres: LocalPostgres
) -> None:
    """A database that stops answering without closing anything (a hung host, a lost
    network): the driver's own timeout turns waiting forever into a 503."""
    headers = await api.superuser_headers()
    async with api.client() as client:
        initial_stock = await create_products(client, headers, 100)
        (product,) = initial_stock
        await _order_ok(client, headers, {product: 1})  # the pool now holds a connection

        with own_postgres.frozen():
            hanging = await asyncio.gather(
                *(place_order(client, headers, {product: 3}) for _ in range(IN_FLIGHT))
            )
            for response in hanging:
                _assert_unavailable(response)
            await _assert_unhealthy(client)

        await _wait_until_healthy(client)
        await _order_ok(client, headers, {product: 2})
    assert await assert_no_partial_orders(api.database_url, initial_stock) == 2
