"""Each order's `allowed_transitions` for the current user lists exactly the status changes the
API then accepts from them: per viewer and status, every listed change is tried and succeeds,
every other is tried and refused."""

import asyncio
from collections import Counter
from typing import Any, Literal

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory, UserFactory
from helpers import LiveShop, assert_error, assert_ok, read_ok
from orders_support import ORDERS_URL, lines, placed_order, set_status, walk_to

from app.orders.models import OrderStatus
from app.products.models import Product
from app.users.models import User, UserRole

Viewer = Literal["owner", "admin", "superadmin"]

PENDING, PAID, SHIPPED, COMPLETED, CANCELLED = OrderStatus
ADMIN_TRANSITIONS = {
    PENDING: [PAID, CANCELLED],
    PAID: [SHIPPED, CANCELLED],
    SHIPPED: [COMPLETED],
    COMPLETED: [],
    CANCELLED: [],
}
EXPECTED: dict[Viewer, dict[OrderStatus, list[OrderStatus]]] = {
    # Customers take back their own order while nobody has acted on it, and nothing else.
    "owner": {status: [CANCELLED] if status is PENDING else [] for status in OrderStatus},
    "admin": ADMIN_TRANSITIONS,
    "superadmin": ADMIN_TRANSITIONS,
}


class Shop:
    """Orders at a given status, each of a customer of its own (the pending cap stays far)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        make_user: UserFactory,
        auth_headers: AuthHeaders,
        product: Product,
        admin: User,
    ) -> None:
        self.client = client
        self.make_user = make_user
        self.auth_headers = auth_headers
        self.product = product
        self.admin_headers = auth_headers(admin)

    async def order_at(self, status: OrderStatus) -> tuple[dict[str, Any], User]:
        """A new order walked to `status`, and its customer."""
        owner = await self.make_user(role=UserRole.USER)
        order = await placed_order(self.client, self.auth_headers(owner), (self.product, 1))
        await walk_to(self.client, self.admin_headers, order["id"], status)
        return order, owner


@pytest.fixture
async def shop(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    admin: User,
) -> Shop:
    product = await make_product(stock_quantity=1000)
    return Shop(client, make_user, auth_headers, product, admin)


def viewer_headers(
    shop: Shop, viewer: Viewer, owner: User, superadmin: User, admin: User
) -> dict[str, str]:
    return shop.auth_headers({"owner": owner, "admin": admin, "superadmin": superadmin}[viewer])


async def offered(
    client: httpx.AsyncClient, order: dict[str, Any], headers: dict[str, str]
) -> list[str]:
    """`allowed_transitions` as the order's read, its read by number and its list entry say;
    they must agree."""
    by_id = await read_ok(client, f"{ORDERS_URL}/{order['id']}", headers)
    by_number = await read_ok(client, f"{ORDERS_URL}/by-number/{order['order_number']}", headers)
    listed = await read_ok(client, ORDERS_URL, headers, limit=100)
    [entry] = [item for item in listed["items"] if item["id"] == order["id"]]
    assert by_number["allowed_transitions"] == entry["allowed_transitions"]
    assert by_id["allowed_transitions"] == entry["allowed_transitions"]
    transitions: list[str] = by_id["allowed_transitions"]
    return transitions


async def move(
    client: httpx.AsyncClient, order_id: int, to: OrderStatus, headers: dict[str, str]
) -> httpx.Response:
    """The change as the SPA asks for it: cancelling has its own route, the rest PATCH."""
    if to is CANCELLED:
        return await client.post(f"{ORDERS_URL}/{order_id}/cancel", headers=headers)
    return await set_status(client, headers, order_id, to)


@pytest.mark.parametrize("status", OrderStatus, ids=str)
@pytest.mark.parametrize("viewer", ["owner", "admin", "superadmin"])
async def test_the_listed_transitions_are_exactly_those_the_api_accepts(
    client: httpx.AsyncClient,
    shop: Shop,
    admin: User,
    superadmin: User,
    viewer: Viewer,
    status: OrderStatus,
) -> None:
    order, owner = await shop.order_at(status)
    headers = viewer_headers(shop, viewer, owner, superadmin, admin)

    assert await offered(client, order, headers) == EXPECTED[viewer][status]

    for target in OrderStatus:
        # A fresh order each time: a change that succeeds moves its order on.
        attempt, attempt_owner = await shop.order_at(status)
        headers = viewer_headers(shop, viewer, attempt_owner, superadmin, admin)
        response = await move(client, attempt["id"], target, headers)
        if target in EXPECTED[viewer][status]:
            moved = assert_ok(response)
            assert moved["status"] == target
            # The answer offers what a read of the moved order offers.
            assert moved["allowed_transitions"] == await offered(client, attempt, headers)
        elif viewer == "owner" and target is not CANCELLED:
            assert_error(response, 403, "admin_required")
        else:
            assert_error(response, 409, "invalid_status_transition")


@pytest.mark.parametrize("status", [PENDING, PAID], ids=str)
async def test_admins_also_cancel_through_the_status_route(
    client: httpx.AsyncClient, shop: Shop, admin: User, status: OrderStatus
) -> None:
    order, _ = await shop.order_at(status)
    assert CANCELLED in await offered(client, order, shop.admin_headers)

    cancelled = assert_ok(await set_status(client, shop.admin_headers, order["id"], CANCELLED))

    assert cancelled["status"] == CANCELLED
    assert cancelled["allowed_transitions"] == []


async def test_another_customer_is_offered_nothing_and_may_do_nothing(
    client: httpx.AsyncClient,
    shop: Shop,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
) -> None:
    order, owner = await shop.order_at(PENDING)
    stranger = auth_headers(await make_user(role=UserRole.USER))

    listed = await read_ok(client, ORDERS_URL, stranger)
    response = await client.post(f"{ORDERS_URL}/{order['id']}/cancel", headers=stranger)

    assert listed["items"] == []
    assert_error(response, 404, "order_not_found")
    assert await offered(client, order, auth_headers(owner)) == [CANCELLED]


async def test_an_owner_cancelling_while_an_admin_marks_paid_lets_exactly_one_through(
    live_shop: LiveShop,
) -> None:
    """Both changes are offered on the pending order, but only one can happen: fired at once,
    the first to take the order's lock wins and the other finds the order moved on."""
    product_id = await live_shop.add_product(stock=10)
    owner = live_shop.customer_headers[0]
    placed = await live_shop.client.post(
        ORDERS_URL, json={"items": lines((product_id, 2))}, headers=owner
    )
    order = assert_ok(placed, 201)
    assert PAID in await offered(live_shop.client, order, live_shop.admin_headers)
    assert await offered(live_shop.client, order, owner) == [CANCELLED]

    paying, cancelling = await asyncio.gather(
        move(live_shop.client, order["id"], PAID, live_shop.admin_headers),
        move(live_shop.client, order["id"], CANCELLED, owner),
    )

    assert Counter([paying.status_code, cancelling.status_code]) == {200: 1, 409: 1}
    winner, loser = (paying, cancelling) if paying.status_code == 200 else (cancelling, paying)
    assert_error(loser, 409, "invalid_status_transition")
    final = await read_ok(live_shop.client, f"{ORDERS_URL}/{order['id']}", owner)
    assert final["status"] == winner.json()["status"]
    assert final["allowed_transitions"] == []
    assert await live_shop.stock(product_id) == (10 if final["status"] == CANCELLED else 8)
