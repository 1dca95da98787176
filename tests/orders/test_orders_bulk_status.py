"""Moving many orders at once: one result per id, each order in its own transaction."""

from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory
from helpers import assert_error, assert_ok
from orders_support import (
    ORDERS_URL,
    current_stock,
    listed,
    order_history,
    placed_order,
    set_status,
    walk_to,
)
from sqlalchemy.ext.asyncio import AsyncSession

from app.orders.models import OrderStatus
from app.orders.schemas import MAX_BULK_ORDERS
from app.users.models import User

BULK_URL = f"{ORDERS_URL}/bulk-status"
MISSING_ID = 999_999


async def test_each_order_moves_or_is_refused_as_its_single_change_would_be(
    client: httpx.AsyncClient,
    auth_headers: AuthHeaders,
    admin: User,
    user: User,
    make_product: ProductFactory,
) -> None:
    admin_headers = auth_headers(admin)
    product = await make_product()
    first, second, shipped = [
        (await placed_order(client, auth_headers(user), (product, 1)))["id"] for _ in range(3)
    ]
    await walk_to(client, admin_headers, shipped, OrderStatus.SHIPPED)

    response = await client.post(
        BULK_URL,
        json={"ids": [second, MISSING_ID, shipped, first], "status": "paid"},
        headers=admin_headers,
    )

    results = listed(response)
    assert [result["id"] for result in results] == [second, MISSING_ID, shipped, first]
    moved = [results[0], results[3]]
    assert all(result["ok"] for result in moved)
    assert [result["order"]["status"] for result in moved] == ["paid", "paid"]
    assert moved[0]["order"]["allowed_transitions"] == ["shipped", "cancelled"]
    missing = assert_error(
        await set_status(client, admin_headers, MISSING_ID, OrderStatus.PAID),
        404,
        "order_not_found",
    )
    refused = assert_error(
        await set_status(client, admin_headers, shipped, OrderStatus.PAID),
        409,
        "invalid_status_transition",
    )
    assert results[1] == {
        "id": MISSING_ID,
        "ok": False,
        "code": missing["code"],
        "detail": missing["detail"],
    }
    assert results[2] == {
        "id": shipped,
        "ok": False,
        "code": refused["code"],
        "detail": refused["detail"],
    }
    for order_id in (first, second):
        history = await order_history(client, admin_headers, order_id)
        assert [(entry["from_status"], entry["to_status"]) for entry in history] == [
            (None, "pending"),
            ("pending", "paid"),
        ]
        assert history[-1]["changed_by"] == admin.id
    assert len(await order_history(client, admin_headers, shipped)) == 3


async def test_a_bulk_cancellation_restocks_each_order_once(
    client: httpx.AsyncClient,
    session: AsyncSession,
    auth_headers: AuthHeaders,
    admin: User,
    user: User,
    make_product: ProductFactory,
) -> None:
    product = await make_product(stock_quantity=10)
    ids = [(await placed_order(client, auth_headers(user), (product, 2)))["id"] for _ in range(3)]
    assert await current_stock(session, product) == 4

    results = listed(
        await client.post(
            BULK_URL, json={"ids": ids, "status": "cancelled"}, headers=auth_headers(admin)
        )
    )

    assert [result["ok"] for result in results] == [True, True, True]
    assert await current_stock(session, product) == 10


async def test_customers_may_not_move_orders_in_bulk(
    client: httpx.AsyncClient,
    auth_headers: AuthHeaders,
    user: User,
    make_product: ProductFactory,
) -> None:
    order = await placed_order(client, auth_headers(user), (await make_product(), 1))

    response = await client.post(
        BULK_URL, json={"ids": [order["id"]], "status": "cancelled"}, headers=auth_headers(user)
    )

    assert_error(response, 403, "admin_required")
    unchanged = assert_ok(
        await client.get(f"{ORDERS_URL}/{order['id']}", headers=auth_headers(user))
    )
    assert unchanged["status"] == "pending"


@pytest.mark.parametrize(
    "ids",
    [[], list(range(1, MAX_BULK_ORDERS + 2)), [1, 2, 1], [0], ["1"]],
    ids=["none", "too many", "duplicated", "zero", "text"],
)
async def test_an_empty_oversized_or_duplicated_list_of_ids_is_a_422(
    client: httpx.AsyncClient, auth_headers: AuthHeaders, admin: User, ids: list[Any]
) -> None:
    response = await client.post(
        BULK_URL, json={"ids": ids, "status": "paid"}, headers=auth_headers(admin)
    )
    assert_error(response, 422, "validation_error")


async def test_a_hundred_ids_are_accepted(
    client: httpx.AsyncClient, auth_headers: AuthHeaders, admin: User
) -> None:
    ids = list(range(MAX_BULK_ORDERS, 0, -1))
    results = listed(
        await client.post(
            BULK_URL, json={"ids": ids, "status": "paid"}, headers=auth_headers(admin)
        )
    )
    assert [result["id"] for result in results] == ids
    assert {result["code"] for result in results} == {"order_not_found"}
