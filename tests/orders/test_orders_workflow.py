"""The status workflow, cancellation and restocking."""

from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory, UserFactory
from helpers import assert_error, assert_ok
from orders_support import ORDERS_URL, current_stock, placed_order, set_status, walk_to
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.orders.models import OrderStatus, OrderStatusHistory
from app.orders.service import TRANSITIONS
from app.users.models import User

ALL_MOVES = [(current, target) for current in OrderStatus for target in OrderStatus]


@pytest.mark.parametrize(
    ("current", "target"), ALL_MOVES, ids=[f"{a.value}->{b.value}" for a, b in ALL_MOVES]
)
async def test_the_transition_table(
    client: httpx.AsyncClient,
    user: User,
    admin: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    session: AsyncSession,
    current: OrderStatus,
    target: OrderStatus,
) -> None:
    product = await make_product(stock_quantity=10)
    order = await placed_order(client, auth_headers(user), (product, 3))
    await walk_to(client, auth_headers(admin), order["id"], current)
    stock_before = await current_stock(session, product)

    response = await set_status(client, auth_headers(admin), order["id"], target)

    allowed = {
        (OrderStatus.PENDING, OrderStatus.PAID),
        (OrderStatus.PENDING, OrderStatus.CANCELLED),
        (OrderStatus.PAID, OrderStatus.SHIPPED),
        (OrderStatus.PAID, OrderStatus.CANCELLED),
        (OrderStatus.SHIPPED, OrderStatus.COMPLETED),
    }
    assert {(a, b) for a, options in TRANSITIONS.items() for b in options} == allowed
    if (current, target) in allowed:
        assert assert_ok(response)["status"] == target.value
        restocked = 3 if target is OrderStatus.CANCELLED else 0
        assert await current_stock(session, product) == stock_before + restocked
    else:
        body = assert_error(response, 409, "invalid_status_transition")
        assert body["current_status"] == current.value
        assert current.value in body["detail"]
        assert await current_stock(session, product) == stock_before


async def test_every_change_is_recorded_with_who_made_it(
    client: httpx.AsyncClient,
    user: User,
    admin: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    session: AsyncSession,
) -> None:
    product = await make_product()
    order = await placed_order(client, auth_headers(user), (product, 1))
    await walk_to(client, auth_headers(admin), order["id"], OrderStatus.COMPLETED)

    response = await client.get(f"{ORDERS_URL}/{order['id']}/history", headers=auth_headers(user))
    assert response.status_code == 200
    history: list[dict[str, Any]] = response.json()
    assert [(h["from_status"], h["to_status"], h["changed_by"]) for h in history] == [
        (None, "pending", user.id),
        ("pending", "paid", admin.id),
        ("paid", "shipped", admin.id),
        ("shipped", "completed", admin.id),
    ]
    stored = await session.scalars(
        select(OrderStatusHistory).where(OrderStatusHistory.order_id == order["id"])
    )
    assert len(stored.all()) == 4


async def test_the_owner_cancels_a_pending_order_and_the_stock_comes_back(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    session: AsyncSession,
) -> None:
    product = await make_product(stock_quantity=5)
    order = await placed_order(client, auth_headers(user), (product, 4))
    assert await current_stock(session, product) == 1

    cancelled = assert_ok(
        await client.post(f"{ORDERS_URL}/{order['id']}/cancel", headers=auth_headers(user))
    )

    assert cancelled["status"] == "cancelled"
    assert await current_stock(session, product) == 5


async def test_cancelling_twice_restocks_once(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    session: AsyncSession,
) -> None:
    product = await make_product(stock_quantity=5)
    order = await placed_order(client, auth_headers(user), (product, 2))
    url = f"{ORDERS_URL}/{order['id']}/cancel"
    assert_ok(await client.post(url, headers=auth_headers(user)))
    body = assert_error(
        await client.post(url, headers=auth_headers(user)), 409, "invalid_status_transition"
    )
    assert body["current_status"] == "cancelled"
    assert await current_stock(session, product) == 5


@pytest.mark.parametrize(
    ("status", "owner_may", "admin_may"),
    [
        (OrderStatus.PENDING, True, True),
        (OrderStatus.PAID, False, True),
        (OrderStatus.SHIPPED, False, False),
        (OrderStatus.COMPLETED, False, False),
    ],
)
async def test_who_may_cancel_when(
    client: httpx.AsyncClient,
    user: User,
    admin: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    status: OrderStatus,
    owner_may: bool,
    admin_may: bool,
) -> None:
    product = await make_product()
    for actor, may in ((user, owner_may), (admin, admin_may)):
        order = await placed_order(client, auth_headers(user), (product, 1))
        await walk_to(client, auth_headers(admin), order["id"], status)
        response = await client.post(
            f"{ORDERS_URL}/{order['id']}/cancel", headers=auth_headers(actor)
        )
        if may:
            assert assert_ok(response)["status"] == "cancelled"
        else:
            body = assert_error(response, 409, "invalid_status_transition")
            assert body["current_status"] == status.value


async def test_nobody_cancels_someone_elses_order(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
) -> None:
    owner, stranger = await make_user(), await make_user()
    product = await make_product()
    order = await placed_order(client, auth_headers(owner), (product, 1))
    response = await client.post(
        f"{ORDERS_URL}/{order['id']}/cancel", headers=auth_headers(stranger)
    )
    assert_error(response, 404, "order_not_found")


async def test_only_admins_change_status(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders, make_product: ProductFactory
) -> None:
    product = await make_product()
    order = await placed_order(client, auth_headers(user), (product, 1))
    response = await set_status(client, auth_headers(user), order["id"], OrderStatus.PAID)
    assert_error(response, 403, "admin_required")


async def test_status_changes_on_unknown_orders_are_404(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders
) -> None:
    assert_error(
        await set_status(client, auth_headers(admin), 2_000_000_000, OrderStatus.PAID),
        404,
        "order_not_found",
    )
    response = await client.patch(
        f"{ORDERS_URL}/1/status", json={"status": "lost"}, headers=auth_headers(admin)
    )
    assert_error(response, 422, "validation_error")
