"""POST /api/orders: checks, stock, snapshots, money."""

import re
from decimal import Decimal
from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory
from helpers import assert_error
from orders_support import (
    ITEM_FIELDS,
    ORDER_FIELDS,
    ORDERS_URL,
    current_stock,
    place_order,
    placed_order,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.orders.models import Order, OrderItem, OrderStatus, OrderStatusHistory
from app.orders.schemas import MAX_ORDER_LINES
from app.products.models import ProductStatus
from app.users.models import User


async def _order_count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Order)) or 0


async def test_an_order_takes_stock_and_snapshots_each_line(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    session: AsyncSession,
) -> None:
    tea = await make_product(name="Green tea", sku="TEA-1", price="4.50", stock_quantity=10)
    cup = await make_product(name="Cup", sku="CUP-1", price="12.00", stock_quantity=3)

    body = await placed_order(client, auth_headers(user), (tea, 2), (cup, 3))

    assert set(body) == ORDER_FIELDS
    assert body["user_id"] == user.id
    assert body["status"] == "pending"
    assert body["total_amount"] == "45.00"
    assert re.fullmatch(r"ORD-\d{8}-\d{6,}", body["order_number"])
    assert [set(item) for item in body["items"]] == [ITEM_FIELDS, ITEM_FIELDS]
    assert body["items"] == [
        {
            "product_id": tea.id,
            "product_name": "Green tea",
            "sku": "TEA-1",
            "unit_price": "4.50",
            "quantity": 2,
            "line_total": "9.00",
        },
        {
            "product_id": cup.id,
            "product_name": "Cup",
            "sku": "CUP-1",
            "unit_price": "12.00",
            "quantity": 3,
            "line_total": "36.00",
        },
    ]
    assert await current_stock(session, tea) == 8
    assert await current_stock(session, cup) == 0
    history = (
        await session.scalars(
            select(OrderStatusHistory).where(OrderStatusHistory.order_id == body["id"])
        )
    ).all()
    assert [(entry.from_status, entry.to_status, entry.changed_by) for entry in history] == [
        (None, OrderStatus.PENDING, user.id)
    ]


async def test_order_numbers_are_unique_and_increasing(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders, make_product: ProductFactory
) -> None:
    product = await make_product()
    numbers = [
        (await placed_order(client, auth_headers(user), (product, 1)))["order_number"]
        for _ in range(3)
    ]
    sequence = [int(number.rsplit("-", 1)[1]) for number in numbers]
    assert sequence == sorted(set(sequence))


@pytest.mark.parametrize(
    ("price", "quantity", "total"),
    [("0.10", 3, "0.30"), ("19.99", 7, "139.93"), ("0.01", 100000, "1000.00")],
)
async def test_money_is_exact_decimal(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    price: str,
    quantity: int,
    total: str,
) -> None:
    product = await make_product(price=price, stock_quantity=quantity)
    body = await placed_order(client, auth_headers(user), (product, quantity))
    assert body["total_amount"] == total
    assert body["items"][0]["line_total"] == total


async def test_the_total_sums_lines_at_database_prices(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders, make_product: ProductFactory
) -> None:
    products = [await make_product(price="0.10") for _ in range(3)]
    body = await placed_order(client, auth_headers(user), *[(product, 1) for product in products])
    assert body["total_amount"] == "0.30"
    assert sum(Decimal(item["line_total"]) for item in body["items"]) == Decimal("0.30")


async def test_a_product_on_several_lines_counts_once_with_the_summed_quantity(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    session: AsyncSession,
) -> None:
    product = await make_product(price="2.00", stock_quantity=5)
    body = await placed_order(client, auth_headers(user), (product, 2), (product, 3))
    assert [(item["product_id"], item["quantity"]) for item in body["items"]] == [(product.id, 5)]
    assert body["total_amount"] == "10.00"
    assert await current_stock(session, product) == 0


async def test_the_summed_quantity_is_what_is_checked_against_stock(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders, make_product: ProductFactory
) -> None:
    product = await make_product(stock_quantity=4)
    response = await place_order(client, auth_headers(user), (product, 2), (product, 3))
    body = assert_error(response, 409, "insufficient_stock")
    assert body["items"] == [{"product_id": product.id, "requested": 5, "available": 4}]


async def test_short_stock_names_every_short_product_and_writes_nothing(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    session: AsyncSession,
) -> None:
    plenty = await make_product(stock_quantity=50)
    few = await make_product(stock_quantity=1)
    none = await make_product(stock_quantity=0)

    response = await place_order(client, auth_headers(user), (none, 1), (plenty, 5), (few, 2))

    body = assert_error(response, 409, "insufficient_stock")
    assert body["items"] == [
        {"product_id": few.id, "requested": 2, "available": 1},
        {"product_id": none.id, "requested": 1, "available": 0},
    ]
    assert str(few.id) in body["detail"]
    assert str(none.id) in body["detail"]
    assert [await current_stock(session, product) for product in (plenty, few, none)] == [50, 1, 0]
    assert await _order_count(session) == 0


@pytest.mark.parametrize("status", [ProductStatus.INACTIVE, ProductStatus.ARCHIVED])
async def test_products_that_cannot_be_ordered_are_named_in_a_422(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    session: AsyncSession,
    status: ProductStatus,
) -> None:
    fine = await make_product(stock_quantity=5)
    hidden = await make_product(status=status)
    missing_id = 2_000_000_000

    response = await place_order(
        client, auth_headers(user), (fine, 1), (missing_id, 1), (hidden, 1)
    )

    body = assert_error(response, 422, "products_unavailable")
    assert body["product_ids"] == sorted([hidden.id, missing_id])
    assert str(missing_id) in body["detail"]
    assert await current_stock(session, fine) == 5
    assert await _order_count(session) == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"items": []},
        {"items": [{"product_id": 1, "quantity": 1}] * 101},
        {"items": [{"product_id": 1, "quantity": 0}]},
        {"items": [{"product_id": 1, "quantity": -1}]},
        {"items": [{"product_id": 1, "quantity": 100001}]},
        {"items": [{"product_id": 0, "quantity": 1}]},
        {"items": [{"product_id": 1, "quantity": 1, "unit_price": "0.01"}]},
        {"items": [{"product_id": 1, "quantity": 1}], "total_amount": "0.01"},
        {"items": [{"product_id": 1, "quantity": 1}], "user_id": 1},
        {"items": [{"product_id": 1, "quantity": 1}], "status": "paid"},
        {"items": [{"product_id": 1, "quantity": 1}], "note": "x" * 1001},
        {"items": [{"product_id": 1, "quantity": 1.5}]},
        {},
    ],
    ids=[
        "no-lines",
        "101-lines",
        "zero-quantity",
        "negative-quantity",
        "huge-quantity",
        "zero-id",
        "client-price",
        "client-total",
        "client-user",
        "client-status",
        "long-note",
        "fractional-quantity",
        "no-items",
    ],
)
async def test_invalid_orders_are_422_and_client_prices_are_never_trusted(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders, payload: dict[str, Any]
) -> None:
    response = await client.post(ORDERS_URL, json=payload, headers=auth_headers(user))
    assert_error(response, 422, "validation_error")


async def test_a_hundred_lines_is_the_limit_and_is_accepted(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders, make_product: ProductFactory
) -> None:
    products = [await make_product(price="1.00") for _ in range(100)]
    body = await placed_order(client, auth_headers(user), *[(product, 1) for product in products])
    assert len(body["items"]) == 100
    assert body["total_amount"] == "100.00"


async def test_ten_thousand_lines_are_a_422_naming_the_limit_and_take_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    user: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
) -> None:
    product = await make_product(stock_quantity=100_000)
    body = {"items": [{"product_id": product.id, "quantity": 1}] * 10_000}

    response = await client.post(ORDERS_URL, json=body, headers=auth_headers(user))

    [error] = assert_error(response, 422, "validation_error")["detail"]
    assert (error["type"], error["loc"]) == ("too_long", ["body", "items"])
    assert error["ctx"]["max_length"] == MAX_ORDER_LINES
    assert await current_stock(session, product) == 100_000


async def test_a_total_beyond_the_money_column_is_a_422_not_a_500(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders, make_product: ProductFactory
) -> None:
    product = await make_product(price="9999999.99", stock_quantity=100000)
    response = await place_order(client, auth_headers(user), (product, 100000))
    assert_error(response, 422, "order_too_large")


async def test_a_note_is_kept(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders, make_product: ProductFactory
) -> None:
    product = await make_product()
    response = await place_order(
        client, auth_headers(user), (product, 1), note="Ring twice, please"
    )
    assert response.json()["note"] == "Ring twice, please"


async def test_ordering_needs_a_signed_in_user(client: httpx.AsyncClient) -> None:
    response = await client.post(ORDERS_URL, json={"items": [{"product_id": 1, "quantity": 1}]})
    assert_error(response, 401, "not_authenticated")


async def test_the_stored_lines_match_the_response(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    session: AsyncSession,
) -> None:
    product = await make_product(price="3.33", stock_quantity=9)
    body = await placed_order(client, auth_headers(user), (product, 3))
    stored = (
        await session.scalars(select(OrderItem).where(OrderItem.order_id == body["id"]))
    ).one()
    assert (stored.unit_price, stored.quantity, stored.line_total) == (
        Decimal("3.33"),
        3,
        Decimal("9.99"),
    )
