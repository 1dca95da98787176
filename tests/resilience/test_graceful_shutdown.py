"""SIGTERM to the API as the container runs it (the entrypoint, two uvicorn workers) while
orders are being placed: the orders in flight finish and are saved, a connection opened after
shutdown began is never served, the process exits 0, and no order is half written."""

import asyncio
import signal
from pathlib import Path

import httpx
from helpers import wait_for_lock_waiters
from resilience_support import (
    WAIT_SECONDS,
    api_process,
    assert_no_partial_orders,
    assert_no_stack_traces,
    create_products,
    place_order,
    product_locked,
    wait_for_log,
)
from sqlalchemy.engine import URL

WORKERS = 2
IN_FLIGHT = 6


async def test_sigterm_lets_orders_in_flight_finish_and_refuses_new_ones(
    scratch_database_url: URL, tmp_path: Path
) -> None:
    url = scratch_database_url
    with api_process(
        url,
        workdir=tmp_path / "api",
        WEB_CONCURRENCY=str(WORKERS),
        # Room enough for the orders in flight on a busy machine; they finish well before.
        GRACEFUL_SHUTDOWN_TIMEOUT="60",
        DATABASE_LOCK_TIMEOUT="0",
    ) as api:
        headers = await api.superuser_headers()
        async with api.client() as client, api.client() as latecomer:
            initial_stock = await create_products(client, headers, 100)
            (product,) = initial_stock

            # Orders held in flight by the product's lock while SIGTERM arrives.
            async with product_locked(url, product):
                in_flight = [
                    asyncio.create_task(place_order(client, headers, {product: 2}))
                    for _ in range(IN_FLIGHT)
                ]
                await wait_for_lock_waiters(url, IN_FLIGHT)
                api.process.send_signal(signal.SIGTERM)
                await wait_for_log(api, "Shutting down", count=WORKERS)
                # No worker accepts connections any more: a new order is never served.
                refused = asyncio.create_task(place_order(latecomer, headers, {product: 1}))
                await asyncio.sleep(0.5)  # its chance to connect while the others are in flight

            for response in await asyncio.gather(*in_flight):
                assert response.status_code == 201, response.text
            exit_code = await asyncio.to_thread(api.process.wait, WAIT_SECONDS)
            assert exit_code == 0, api.output()
            try:
                late = await refused
            except httpx.TransportError:
                pass
            else:
                raise AssertionError(f"served after shutdown began: {late.status_code}")

        assert_no_stack_traces(api)
    assert await assert_no_partial_orders(url, initial_stock) == IN_FLIGHT
