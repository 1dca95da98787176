"""Helpers for the fault tests: the API as production runs it (the container's entrypoint, in a
process of its own), a PostgreSQL row lock held from outside the API to make requests slow for
real, and the stock ledger that proves no order was half written."""

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from helpers import bearer, free_port, sign_in
from sqlalchemy import NullPool, func, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from app.core.addresses import EXAMPLE_ADDRESS
from app.orders.models import Order, OrderItem, OrderStatus, OrderStatusHistory
from app.products.models import Product

ENTRYPOINT = Path(__file__).resolve().parents[2] / "server" / "docker-entrypoint.sh"
SUPERUSER = "superAdmin"
SUPERUSER_PASSWORD = "resilience-superuser-password"
# Bounds on waiting, so a broken build fails instead of hanging; never assertions about speed.
WAIT_SECONDS = 90.0
CLIENT_TIMEOUT = httpx.Timeout(60.0)


def database_engine(url: URL) -> AsyncEngine:
    """An engine of the test's own, outside the API's pool."""
    return create_async_engine(url, poolclass=NullPool)


# --- The API in a process of its own -------------------------------------------------------


@dataclass
class ApiProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path
    database_url: URL

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, timeout=CLIENT_TIMEOUT)

    async def superuser_headers(self) -> dict[str, str]:
        async with self.client() as client:
            tokens = await sign_in(client, SUPERUSER, SUPERUSER_PASSWORD)
        return bearer(tokens["access_token"])


def _api_environment(database_url: URL, *, port: int, settings: dict[str, str]) -> dict[str, str]:
    """Only what a container would get: the image's PATH (this virtualenv) and the settings."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(Path.home()),
        "ENVIRONMENT": "test",
        "DATABASE_URL": database_url.render_as_string(hide_password=False),
        "SECRET_KEY": "resilience-secret-key-long-enough-for-hs256",
        "FIRST_SUPERUSER": SUPERUSER,
        "FIRST_SUPERUSER_PASSWORD": SUPERUSER_PASSWORD,
        "API_PORT": str(port),
        "LOG_FORMAT": "json",
        **settings,
    }


def _wait_until_healthy(api: ApiProcess) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        assert api.process.poll() is None, f"the API exited early:\n{api.output()}"
        try:
            if httpx.get(f"{api.base_url}/api/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"the API never became healthy:\n{api.output()}")


@contextmanager
def api_process(database_url: URL, *, workdir: Path, **settings: str) -> Iterator[ApiProcess]:
    """`server/docker-entrypoint.sh` as the container runs it: prestart migrates the database
    and creates the superuser, then uvicorn serves with the entrypoint's flags. Settings are
    environment variables (WEB_CONCURRENCY=1 for a single process). Killed if a test fails."""
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)  # like the image's WORKDIR: no `.env` here
    log = workdir / "api.log"
    with log.open("ab") as output:  # append mode: the workers' lines never overwrite
        process = subprocess.Popen(
            [ENTRYPOINT],
            env=_api_environment(database_url, port=port, settings=settings),
            cwd=workdir,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    api = ApiProcess(process, f"http://127.0.0.1:{port}", log, database_url)
    try:
        _wait_until_healthy(api)
        yield api
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


async def wait_for_log(api: ApiProcess, line: str, *, count: int = 1) -> None:
    """Until `line` appears `count` times in the API's output."""
    deadline = time.monotonic() + WAIT_SECONDS
    while api.output().count(line) < count:
        assert time.monotonic() < deadline, f"never logged {line!r} {count}x:\n{api.output()}"
        await asyncio.sleep(0.1)


def assert_no_stack_traces(api: ApiProcess) -> None:
    output = api.output()
    assert "Traceback" not in output, output
    assert '"unhandled_error"' not in output, output


# --- Slow requests, for real ---------------------------------------------------------------


@asynccontextmanager
async def product_locked(url: URL, product_id: int) -> AsyncIterator[AsyncConnection]:
    """The product's row locked FOR UPDATE from outside the API until the block ends, so every
    order for it waits in PostgreSQL, as behind a long checkout."""
    engine = database_engine(url)
    try:
        async with engine.connect() as connection:
            try:
                await connection.execute(
                    select(Product.id).where(Product.id == product_id).with_for_update()
                )
                yield connection
            finally:
                # Closing the connection ends its transaction, and so the lock; unlike a
                # rollback it also works when PostgreSQL has gone down meanwhile.
                await connection.invalidate()
    finally:
        await engine.dispose()


# --- What the database holds afterwards ----------------------------------------------------


async def create_products(
    client: httpx.AsyncClient, headers: dict[str, str], *stocks: int
) -> dict[int, int]:
    """Products created through the API with these stocks; returns {id: initial stock}."""
    created = {}
    for stock in stocks:
        label = uuid.uuid4().hex[:12]
        response = await client.post(
            "/api/products",
            json={
                "name": f"Resilient {label}",
                "sku": f"RES-{label}",
                "price": "2.50",
                "stock_quantity": stock,
            },
            headers=headers,
        )
        assert response.status_code == 201, response.text
        created[response.json()["id"]] = stock
    return created


async def place_order(
    client: httpx.AsyncClient, headers: dict[str, str], quantities: dict[int, int]
) -> httpx.Response:
    """POST an order of {product id: quantity}."""
    items = [
        {"product_id": product, "quantity": quantity} for product, quantity in quantities.items()
    ]
    return await client.post(
        "/api/orders", json={"items": items, "shipping_address": EXAMPLE_ADDRESS}, headers=headers
    )


async def assert_no_partial_orders(url: URL, initial_stock: dict[int, int]) -> int:
    """Every order has its lines and its first history entry, and for each of these products
    the initial stock is the current stock plus the units in orders not cancelled. Returns
    the number of orders for these products."""
    products = list(initial_stock)
    engine = database_engine(url)
    try:
        async with engine.connect() as connection:
            without_items = await _count(
                connection,
                select(func.count())
                .select_from(Order)
                .where(~select(OrderItem.id).where(OrderItem.order_id == Order.id).exists()),
            )
            without_history = await _count(
                connection,
                select(func.count())
                .select_from(Order)
                .where(
                    ~select(OrderStatusHistory.id)
                    .where(
                        OrderStatusHistory.order_id == Order.id,
                        OrderStatusHistory.from_status.is_(None),
                    )
                    .exists()
                ),
            )
            orders = await _count(
                connection,
                select(func.count(OrderItem.order_id.distinct())).where(
                    OrderItem.product_id.in_(products)
                ),
            )
            ordered = dict(
                (
                    await connection.execute(
                        select(OrderItem.product_id, func.sum(OrderItem.quantity))
                        .join(Order, Order.id == OrderItem.order_id)
                        .where(
                            Order.status != OrderStatus.CANCELLED,
                            OrderItem.product_id.in_(products),
                        )
                        .group_by(OrderItem.product_id)
                    )
                ).all()
            )
            stock = dict(
                (
                    await connection.execute(
                        select(Product.id, Product.stock_quantity).where(Product.id.in_(products))
                    )
                ).all()
            )
    finally:
        await engine.dispose()
    assert (without_items, without_history) == (0, 0)
    ledger = {product: stock[product] + ordered.get(product, 0) for product in products}
    assert ledger == initial_stock
    return orders


async def _count(connection: AsyncConnection, statement: Any) -> int:
    return int(await connection.scalar(statement) or 0)
