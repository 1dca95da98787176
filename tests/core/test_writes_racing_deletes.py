"""Every write whose row another transaction deletes meanwhile answers 404 (or the 422 of an
order for products that don't exist), never a 500.

Each race is made to happen, not hoped for: a DELETE of the row stays uncommitted while the
request runs into its lock, and commits once the request waits for it. Without a lock taken
before reading, the request reads the old row, its UPDATE then finds nothing
(`StaleDataError`, a 500).
"""

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, Literal

import httpx
import pytest
from helpers import (
    DEFAULT_PASSWORD,
    LiveShop,
    assert_error,
    assert_ok,
    wait_for_lock_waiters,
)
from sqlalchemy import NullPool, select, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine

from app.users.models import User

Target = Literal["customer", "product", "order"]


@dataclass(frozen=True)
class Race:
    delete: str  # SQL with `:id`, the row's id
    target: Target
    method: str
    path: str  # with `{id}`
    body: dict[str, Any] | None
    by_admin: bool
    status: int
    code: str


RACES = {
    "update-user": Race(
        "DELETE FROM users WHERE id = :id",
        "customer",
        "PATCH",
        "/api/users/{id}",
        {"full_name": "Renamed"},
        True,
        404,
        "user_not_found",
    ),
    "delete-user": Race(
        "DELETE FROM users WHERE id = :id",
        "customer",
        "DELETE",
        "/api/users/{id}",
        None,
        True,
        404,
        "user_not_found",
    ),
    "update-me": Race(
        "DELETE FROM users WHERE id = :id",
        "customer",
        "PATCH",
        "/api/users/me",
        {"full_name": "Renamed"},
        False,
        404,
        "user_not_found",
    ),
    # After its bcrypt checks, which hold no connection.
    "change-my-password": Race(
        "DELETE FROM users WHERE id = :id",
        "customer",
        "POST",
        "/api/users/me/password",
        {"current_password": DEFAULT_PASSWORD, "new_password": "a-brand-new-passphrase"},
        False,
        404,
        "user_not_found",
    ),
    "update-product": Race(
        "DELETE FROM products WHERE id = :id",
        "product",
        "PATCH",
        "/api/products/{id}",
        {"name": "Renamed"},
        True,
        404,
        "product_not_found",
    ),
    "delete-product": Race(
        "DELETE FROM products WHERE id = :id",
        "product",
        "DELETE",
        "/api/products/{id}",
        None,
        True,
        404,
        "product_not_found",
    ),
    "adjust-stock": Race(
        "DELETE FROM products WHERE id = :id",
        "product",
        "POST",
        "/api/products/{id}/stock",
        {"delta": 5},
        True,
        404,
        "product_not_found",
    ),
    # The product is gone as if it had never existed: the order's documented 422.
    "order-the-product": Race(
        "DELETE FROM products WHERE id = :id",
        "product",
        "POST",
        "/api/orders",
        {"items": [{"product_id": "{id}", "quantity": 1}]},
        False,
        422,
        "products_unavailable",
    ),
    # The order's insert waits on its customer's row, then finds it gone.
    "order-as-a-deleted-customer": Race(
        "DELETE FROM users WHERE id = :id",
        "customer",
        "POST",
        "/api/orders",
        {"items": [{"product_id": "{product}", "quantity": 1}]},
        False,
        409,
        "constraint_violation",
    ),
    # `cleanup-orders` deletes finished orders; the race is the same for any order.
    "cancel-order": Race(
        "DELETE FROM orders WHERE id = :id",
        "order",
        "POST",
        "/api/orders/{id}/cancel",
        None,
        False,
        404,
        "order_not_found",
    ),
    "change-order-status": Race(
        "DELETE FROM orders WHERE id = :id",
        "order",
        "PATCH",
        "/api/orders/{id}/status",
        {"status": "paid"},
        True,
        404,
        "order_not_found",
    ),
}


@dataclass(frozen=True)
class Rows:
    customer: int
    product: int
    order: int


@pytest.fixture
async def rows(live_shop: LiveShop) -> Rows:
    """A customer without orders, a product without orders, and another customer's order."""
    async with live_shop.sessions() as session:
        customer = await session.scalar(select(User.id).where(User.username == "live2"))
    assert customer is not None
    ordered = await live_shop.add_product(stock=10)
    placed = await live_shop.client.post(
        "/api/orders",
        json={"items": [{"product_id": ordered, "quantity": 1}]},
        headers=live_shop.customer_headers[0],
    )
    order_id = assert_ok(placed, 201)["id"]
    return Rows(customer, await live_shop.add_product(stock=10), order_id)


def _filled(body: Any, rows: Rows, row_id: int) -> Any:
    """`body` with "{id}" replaced by the raced row's id, "{product}" by the product's."""
    if isinstance(body, dict):
        return {key: _filled(value, rows, row_id) for key, value in body.items()}
    if isinstance(body, list):
        return [_filled(value, rows, row_id) for value in body]
    return {"{id}": row_id, "{product}": rows.product}.get(body, body)


async def _racing_delete(
    url: URL, race: Race, row_id: int, request: Coroutine[Any, Any, httpx.Response]
) -> httpx.Response:
    """Run `request` while the DELETE holds the row, and commit the DELETE once it waits."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            deleted = await connection.execute(text(race.delete), {"id": row_id})
            assert deleted.rowcount == 1
            in_flight = asyncio.ensure_future(request)
            await wait_for_lock_waiters(url, 1)
            await connection.commit()
        return await in_flight
    finally:
        await engine.dispose()


@pytest.mark.parametrize("race", RACES.values(), ids=RACES.keys())
async def test_a_write_whose_row_is_deleted_meanwhile_is_a_404_not_a_500(
    live_shop: LiveShop, rows: Rows, migrated_database_url: URL, race: Race
) -> None:
    row_id = getattr(rows, race.target)
    # The customer acts on themself, or owns the order.
    headers = (
        live_shop.admin_headers
        if race.by_admin
        else live_shop.customer_headers[1 if race.target == "customer" else 0]
    )
    request = live_shop.client.request(
        race.method,
        race.path.format(id=row_id),
        json=_filled(race.body, rows, row_id),
        headers=headers,
    )

    response = await _racing_delete(migrated_database_url, race, row_id, request)

    assert_error(response, race.status, race.code)
