"""Helpers shared by the order tests."""

from datetime import timedelta
from typing import Any

import httpx
from helpers import assert_ok
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.orders.models import Order, OrderStatus, OrderStatusHistory
from app.products.models import Product

ORDERS_URL = "/api/orders"
ORDER_FIELDS = {
    "id",
    "order_number",
    "user_id",
    "status",
    "total_amount",
    "note",
    "shipping_address",
    "carrier",
    "tracking_number",
    "items",
    "created_at",
    "updated_at",
    "allowed_transitions",
}
ITEM_FIELDS = {"product_id", "product_name", "sku", "unit_price", "quantity", "line_total"}


def lines(*pairs: tuple[Product | int, int]) -> list[dict[str, int]]:
    """`lines((product, 2), (other, 1))` as the `items` of an order request."""
    return [
        {"product_id": item if isinstance(item, int) else item.id, "quantity": quantity}
        for item, quantity in pairs
    ]


async def place_order(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    *pairs: tuple[Product | int, int],
    **extra: Any,
) -> httpx.Response:
    return await client.post(ORDERS_URL, json={"items": lines(*pairs), **extra}, headers=headers)


async def placed_order(
    client: httpx.AsyncClient, headers: dict[str, str], *pairs: tuple[Product | int, int]
) -> dict[str, Any]:
    """An order that must be accepted; returns its body."""
    return assert_ok(await place_order(client, headers, *pairs), 201)


async def set_status(
    client: httpx.AsyncClient, headers: dict[str, str], order_id: int, status: OrderStatus
) -> httpx.Response:
    return await client.patch(
        f"{ORDERS_URL}/{order_id}/status", json={"status": status.value}, headers=headers
    )


async def walk_to(
    client: httpx.AsyncClient, admin_headers: dict[str, str], order_id: int, status: OrderStatus
) -> None:
    """Move a pending order along the workflow until it reaches `status`."""
    path = {
        OrderStatus.PENDING: [],
        OrderStatus.PAID: [OrderStatus.PAID],
        OrderStatus.SHIPPED: [OrderStatus.PAID, OrderStatus.SHIPPED],
        OrderStatus.COMPLETED: [OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED],
        OrderStatus.CANCELLED: [OrderStatus.CANCELLED],
    }[status]
    for step in path:
        assert_ok(await set_status(client, admin_headers, order_id, step))


def listed(response: httpx.Response) -> list[dict[str, Any]]:
    """A 200 whose body is a list: a bulk change's results, an order's history."""
    assert response.status_code == 200, response.text
    body: list[dict[str, Any]] = response.json()
    return body


async def order_history(
    client: httpx.AsyncClient, headers: dict[str, str], order_id: int
) -> list[dict[str, Any]]:
    return listed(await client.get(f"{ORDERS_URL}/{order_id}/history", headers=headers))


async def current_stock(session: AsyncSession, product: Product) -> int:
    """The product's stock as committed now, not as the session last saw it."""
    await session.refresh(product)
    return product.stock_quantity


# --- Expiry --------------------------------------------------------------------------------

# Older than any TTL the expiry tests set.
LONG_AGO = timedelta(days=30)


async def age_orders(sessions: async_sessionmaker[AsyncSession], *order_ids: int) -> None:
    """Move the orders' creation LONG_AGO into the past, as if they had waited that long."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(Order)
            .where(Order.id.in_(order_ids))
            .values(created_at=Order.created_at - LONG_AGO)
        )


async def expiries(sessions: async_sessionmaker[AsyncSession], order_id: int) -> int:
    """How many times the order was recorded as expired."""
    async with sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(OrderStatusHistory)
            .where(OrderStatusHistory.order_id == order_id, OrderStatusHistory.reason == "expired")
        )
        return count or 0


async def statuses(sessions: async_sessionmaker[AsyncSession]) -> dict[int, OrderStatus]:
    """Every order's status, by id."""
    async with sessions() as session:
        rows = await session.execute(select(Order.id, Order.status))
        return dict(rows.all())
