"""GET /api/stats: who may read it, and exact numbers on a known shop."""

from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory, UserFactory
from helpers import assert_error, assert_ok, assert_unauthorized, count_statements, read_ok
from sqlalchemy.ext.asyncio import AsyncEngine

from app.orders.models import OrderStatus
from app.products.models import Product, ProductStatus
from app.users.models import User, UserRole

STATS_URL = "/api/stats"
WORKFLOW = [OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED]
NO_ORDERS = [{"status": status.value, "count": 0, "total_amount": "0.00"} for status in OrderStatus]


async def _order(
    client: httpx.AsyncClient,
    customer: dict[str, str],
    admin: dict[str, str],
    lines: list[tuple[Product, int]],
    status: OrderStatus = OrderStatus.PENDING,
) -> None:
    """An order placed through the API by the customer, then moved to `status` by an admin."""
    items = [{"product_id": product.id, "quantity": quantity} for product, quantity in lines]
    order = assert_ok(
        await client.post("/api/orders", json={"items": items}, headers=customer), 201
    )
    steps = (
        [status] if status is OrderStatus.CANCELLED else WORKFLOW[1 : WORKFLOW.index(status) + 1]
    )
    for step in steps:
        url = f"/api/orders/{order['id']}/status"
        assert_ok(await client.patch(url, json={"status": step.value}, headers=admin))


@pytest.fixture
async def shop(
    client: httpx.AsyncClient,
    admin: User,
    make_user: UserFactory,
    make_product: ProductFactory,
    auth_headers: AuthHeaders,
) -> None:
    """Three users, five products (one archived), six orders in every status.

    Stock after the orders: lamp 93, pen 2, chair 0 (inactive), mug 10 (its order was
    cancelled and restocked).
    """
    customer = auth_headers(await make_user(role=UserRole.USER))
    await make_user(role=UserRole.USER, is_active=False)
    staff = auth_headers(admin)
    lamp = await make_product(price="10.00", stock_quantity=100)
    pen = await make_product(price="2.50", stock_quantity=5)
    await make_product(price="99.00", stock_quantity=0, status=ProductStatus.INACTIVE)
    await make_product(price="5.00", stock_quantity=1, status=ProductStatus.ARCHIVED)
    mug = await make_product(price="7.25", stock_quantity=10)

    await _order(client, customer, staff, [(lamp, 2)])  # pending 20.00
    await _order(client, customer, staff, [(lamp, 1)])  # pending 10.00
    await _order(client, customer, staff, [(lamp, 1), (pen, 2)], OrderStatus.PAID)  # 15.00
    await _order(client, customer, staff, [(pen, 1)], OrderStatus.SHIPPED)  # 2.50
    await _order(client, customer, staff, [(lamp, 3)], OrderStatus.COMPLETED)  # 30.00
    await _order(client, customer, staff, [(mug, 1)], OrderStatus.CANCELLED)  # 7.25


async def _stats(
    client: httpx.AsyncClient, viewer: User, auth_headers: AuthHeaders, **params: Any
) -> dict[str, Any]:
    return await read_ok(client, STATS_URL, auth_headers(viewer), **params)


async def test_stats_count_a_known_shop_exactly(
    client: httpx.AsyncClient, shop: None, admin: User, auth_headers: AuthHeaders
) -> None:
    assert await _stats(client, admin, auth_headers) == {
        "users": 3,  # the admin, the customer and the inactive user
        "products": 4,  # not the archived one
        "orders": 6,
        "low_stock_products": 1,  # the pen; the chair is inactive, the mug has exactly 10
        "orders_by_status": [
            {"status": "pending", "count": 2, "total_amount": "30.00"},
            {"status": "paid", "count": 1, "total_amount": "15.00"},
            {"status": "shipped", "count": 1, "total_amount": "2.50"},
            {"status": "completed", "count": 1, "total_amount": "30.00"},
            {"status": "cancelled", "count": 1, "total_amount": "7.25"},
        ],
        "revenue": "47.50",
    }


@pytest.mark.parametrize(
    ("low_stock", "expected"),
    [(0, 0), (2, 0), (3, 1), (11, 2), (94, 3), (2_147_483_647, 3)],
)
async def test_low_stock_counts_active_products_below_the_threshold(
    client: httpx.AsyncClient,
    shop: None,
    admin: User,
    auth_headers: AuthHeaders,
    low_stock: int,
    expected: int,
) -> None:
    body = await _stats(client, admin, auth_headers, low_stock=low_stock)
    assert body["low_stock_products"] == expected


@pytest.mark.parametrize("low_stock", ["-1", "ten", "1.5", "2147483648", ""])
async def test_low_stock_must_be_a_whole_number_from_zero(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders, low_stock: str
) -> None:
    response = await client.get(
        STATS_URL, params={"low_stock": low_stock}, headers=auth_headers(admin)
    )
    body = assert_error(response, 422, "validation_error")
    assert body["detail"][0]["loc"] == ["query", "low_stock"]


async def test_every_status_is_listed_in_workflow_order_even_without_orders(
    client: httpx.AsyncClient, superadmin: User, auth_headers: AuthHeaders
) -> None:
    assert await _stats(client, superadmin, auth_headers) == {
        "users": 1,
        "products": 0,
        "orders": 0,
        "low_stock_products": 0,
        "orders_by_status": NO_ORDERS,
        "revenue": "0.00",
    }


async def test_customers_get_403_and_strangers_401(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders
) -> None:
    assert_error(await client.get(STATS_URL, headers=auth_headers(user)), 403, "admin_required")
    assert_unauthorized(await client.get(STATS_URL), "not_authenticated")


async def test_the_statements_do_not_grow_with_the_shop(
    client: httpx.AsyncClient,
    admin: User,
    make_product: ProductFactory,
    auth_headers: AuthHeaders,
    engine: AsyncEngine,
) -> None:
    await _stats(client, admin, auth_headers)
    counts = []
    for _ in range(2):
        await make_product(stock_quantity=1)
        with count_statements(engine) as statements:
            await _stats(client, admin, auth_headers)
        counts.append(len([sql for sql in statements if sql.lstrip().startswith("SELECT")]))
    # The counts, the orders by status; the caller is known from the first read.
    assert counts == [2, 2]


async def test_the_route_is_documented(client: httpx.AsyncClient) -> None:
    operation = assert_ok(await client.get("/api/openapi.json"))["paths"][STATS_URL]["get"]
    assert operation["operationId"] == "read_stats"
    assert {"200", "401", "403", "422"} <= set(operation["responses"])
    parameter = operation["parameters"][0]
    assert parameter["name"] == "low_stock"
    assert parameter["schema"]["minimum"] == 0
    assert parameter["schema"]["default"] == 10
