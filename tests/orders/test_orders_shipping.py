"""Shipping details: an order's address snapshot, and the carrier and tracking number given
when it is marked shipped."""

from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory, Serve, UserFactory
from helpers import ME_URL, assert_error, assert_ok, read_ok
from orders_support import (
    ORDERS_URL,
    order_history,
    place_order,
    placed_order,
    set_status,
    walk_to,
)

from app.core.addresses import EXAMPLE_ADDRESS
from app.orders.models import OrderStatus
from app.users.models import User

BULK_URL = f"{ORDERS_URL}/bulk-status"
OFFICE = {
    "recipient": "Bo Li",
    "phone": "(010) 5555-0199",
    "line1": "1 Jianguomenwai Street",
    "city": "Beijing",
    "country": "CN",
}
SHIPMENT = {"carrier": "SF Express", "tracking_number": "SF1234567890"}


def _invalid_locations(response: httpx.Response) -> list[list[str | int]]:
    body = assert_error(response, 422, "validation_error")
    return [error["loc"] for error in body["detail"]]


async def _ship(
    client: httpx.AsyncClient, headers: dict[str, str], order_id: int, **fields: Any
) -> httpx.Response:
    await walk_to(client, headers, order_id, OrderStatus.PAID)
    return await client.patch(
        f"{ORDERS_URL}/{order_id}/status", json={"status": "shipped", **fields}, headers=headers
    )


# --- The address when placing an order ---


async def test_an_order_keeps_the_address_it_was_sent_with(
    client: httpx.AsyncClient,
    auth_headers: AuthHeaders,
    user: User,
    make_product: ProductFactory,
) -> None:
    product = await make_product()

    response = await place_order(client, auth_headers(user), (product, 1), shipping_address=OFFICE)

    order = assert_ok(response, 201)
    assert order["shipping_address"] == OFFICE | {
        "line2": None,
        "region": None,
        "postal_code": None,
    }
    assert order["carrier"] is None
    assert order["tracking_number"] is None
    read = await read_ok(client, f"{ORDERS_URL}/{order['id']}", auth_headers(user))
    assert read["shipping_address"] == order["shipping_address"]


async def test_an_order_without_an_address_takes_the_customers_default(
    client: httpx.AsyncClient,
    auth_headers: AuthHeaders,
    user: User,
    make_product: ProductFactory,
) -> None:
    order = await placed_order(client, auth_headers(user), (await make_product(), 1))

    assert order["shipping_address"] == EXAMPLE_ADDRESS


async def test_an_order_with_no_address_and_no_default_is_a_422_naming_the_field(
    client: httpx.AsyncClient,
    auth_headers: AuthHeaders,
    make_user: UserFactory,
    make_product: ProductFactory,
) -> None:
    customer = await make_user(default_shipping_address=None)
    product = await make_product(stock_quantity=5)

    response = await place_order(client, auth_headers(customer), (product, 1))

    assert _invalid_locations(response) == [["body", "shipping_address"]]
    assert response.json()["detail"][0]["type"] == "missing"
    listed = await read_ok(client, ORDERS_URL, auth_headers(customer))
    assert listed["total"] == 0


async def test_with_the_requirement_off_an_order_may_have_no_address(
    serve: Serve,
    auth_headers: AuthHeaders,
    make_user: UserFactory,
    make_product: ProductFactory,
) -> None:
    customer = await make_user(default_shipping_address=None)
    product = await make_product()

    async with serve(ORDERS_REQUIRE_SHIPPING_ADDRESS=False) as client:
        order = await placed_order(client, auth_headers(customer), (product, 1))

    assert order["shipping_address"] is None


async def test_with_the_requirement_off_a_default_address_is_still_used(
    serve: Serve,
    auth_headers: AuthHeaders,
    user: User,
    make_product: ProductFactory,
) -> None:
    async with serve(ORDERS_REQUIRE_SHIPPING_ADDRESS=False) as client:
        order = await placed_order(client, auth_headers(user), (await make_product(), 1))

    assert order["shipping_address"] == EXAMPLE_ADDRESS


async def test_later_changes_to_the_default_address_never_rewrite_an_order(
    client: httpx.AsyncClient,
    auth_headers: AuthHeaders,
    user: User,
    make_product: ProductFactory,
) -> None:
    headers = auth_headers(user)
    order = await placed_order(client, headers, (await make_product(), 1))

    assert_ok(
        await client.patch(ME_URL, json={"default_shipping_address": OFFICE}, headers=headers)
    )
    assert_ok(await client.patch(ME_URL, json={"default_shipping_address": None}, headers=headers))

    read = await read_ok(client, f"{ORDERS_URL}/{order['id']}", headers)
    assert read["shipping_address"] == EXAMPLE_ADDRESS


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"country": "CHN"}, "country"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "call me"}, "phone"),
        ({"phone": "   "}, "phone"),
        ({"recipient": ""}, "recipient"),
        ({"line1": "Room 1\nBuilding 2"}, "line1"),
        ({"city": "x" * 101}, "city"),
        ({"postal_code": "1" * 21}, "postal_code"),
        ({"extra": "field"}, "extra"),
    ],
)
async def test_a_bad_address_is_a_422_naming_its_field(
    client: httpx.AsyncClient,
    auth_headers: AuthHeaders,
    user: User,
    make_product: ProductFactory,
    change: dict[str, str],
    field: str,
) -> None:
    product = await make_product()

    response = await place_order(
        client, auth_headers(user), (product, 1), shipping_address=OFFICE | change
    )

    assert _invalid_locations(response) == [["body", "shipping_address", field]]


async def test_an_address_is_trimmed_and_its_blank_optional_fields_are_null(
    client: httpx.AsyncClient,
    auth_headers: AuthHeaders,
    user: User,
    make_product: ProductFactory,
) -> None:
    sent = {
        "recipient": "  Bo Li ",
        "phone": " +86 10 5555 0199 ",
        "line1": "1 Jianguomenwai Street ",
        "line2": "   ",
        "city": "Beijing",
        "region": "",
        "postal_code": " 100022 ",
        "country": " cn ",
    }

    order = assert_ok(
        await place_order(
            client, auth_headers(user), (await make_product(), 1), shipping_address=sent
        ),
        201,
    )

    assert order["shipping_address"] == {
        "recipient": "Bo Li",
        "phone": "+86 10 5555 0199",
        "line1": "1 Jianguomenwai Street",
        "line2": None,
        "city": "Beijing",
        "region": None,
        "postal_code": "100022",
        "country": "CN",
    }


# --- Carrier and tracking number when shipping ---


@pytest.fixture
def admin_headers(auth_headers: AuthHeaders, admin: User) -> dict[str, str]:
    return auth_headers(admin)


@pytest.fixture
def customer_headers(auth_headers: AuthHeaders, user: User) -> dict[str, str]:
    return auth_headers(user)


@pytest.fixture
async def order_id(
    client: httpx.AsyncClient, customer_headers: dict[str, str], make_product: ProductFactory
) -> int:
    """A pending order of the `user` customer."""
    order = await placed_order(client, customer_headers, (await make_product(), 1))
    order_id: int = order["id"]
    return order_id


async def test_shipping_records_the_carrier_and_tracking_number_for_staff_and_customer(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    customer_headers: dict[str, str],
    order_id: int,
) -> None:
    shipped = assert_ok(await _ship(client, admin_headers, order_id, **SHIPMENT))

    assert shipped["status"] == "shipped"
    assert {key: shipped[key] for key in SHIPMENT} == SHIPMENT
    seen = await read_ok(client, f"{ORDERS_URL}/{order_id}", customer_headers)
    assert {key: seen[key] for key in SHIPMENT} == SHIPMENT
    history = await order_history(client, customer_headers, order_id)
    assert [
        (entry["to_status"], entry["carrier"], entry["tracking_number"]) for entry in history
    ] == [
        ("pending", None, None),
        ("paid", None, None),
        ("shipped", SHIPMENT["carrier"], SHIPMENT["tracking_number"]),
    ]


async def test_shipping_without_a_shipments_details_leaves_them_null(
    client: httpx.AsyncClient, admin_headers: dict[str, str], order_id: int
) -> None:
    shipped = assert_ok(
        await _ship(client, admin_headers, order_id, carrier=" ", tracking_number="")
    )

    assert (shipped["carrier"], shipped["tracking_number"]) == (None, None)


@pytest.mark.parametrize("status", ["paid", "cancelled", "completed", "pending"])
async def test_a_carrier_or_tracking_number_with_another_status_is_a_422(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    customer_headers: dict[str, str],
    order_id: int,
    status: str,
) -> None:
    response = await client.patch(
        f"{ORDERS_URL}/{order_id}/status",
        json={"status": status, **SHIPMENT},
        headers=admin_headers,
    )

    assert _invalid_locations(response) == [["body", "carrier"], ["body", "tracking_number"]]
    assert {error["type"] for error in response.json()["detail"]} == {"shipment_needs_shipped"}
    read = await read_ok(client, f"{ORDERS_URL}/{order_id}", customer_headers)
    assert read["status"] == "pending"


async def test_a_tracking_number_beyond_its_length_is_a_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], order_id: int
) -> None:
    response = await _ship(client, admin_headers, order_id, tracking_number="9" * 65)

    assert _invalid_locations(response) == [["body", "tracking_number"]]


async def test_a_customer_cannot_ship_their_own_order(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    customer_headers: dict[str, str],
    order_id: int,
) -> None:
    await walk_to(client, admin_headers, order_id, OrderStatus.PAID)

    response = await client.patch(
        f"{ORDERS_URL}/{order_id}/status",
        json={"status": "shipped", **SHIPMENT},
        headers=customer_headers,
    )

    assert_error(response, 403, "admin_required")
    read = await read_ok(client, f"{ORDERS_URL}/{order_id}", customer_headers)
    assert (read["status"], read["carrier"]) == ("paid", None)


async def test_bulk_shipping_gives_every_order_the_carrier_and_tracking_number(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    customer_headers: dict[str, str],
    order_id: int,
    make_product: ProductFactory,
) -> None:
    pending = (await placed_order(client, customer_headers, (await make_product(), 1)))["id"]
    await walk_to(client, admin_headers, order_id, OrderStatus.PAID)

    response = await client.post(
        BULK_URL,
        json={"ids": [order_id, pending], "status": "shipped", **SHIPMENT},
        headers=admin_headers,
    )

    assert response.status_code == 200, response.text
    moved, refused = response.json()
    assert moved["ok"]
    assert not refused["ok"]
    assert {key: moved["order"][key] for key in SHIPMENT} == SHIPMENT
    history = await order_history(client, customer_headers, order_id)
    assert (history[-1]["carrier"], history[-1]["tracking_number"]) == (
        SHIPMENT["carrier"],
        SHIPMENT["tracking_number"],
    )
    untouched = await read_ok(client, f"{ORDERS_URL}/{pending}", customer_headers)
    assert (untouched["status"], untouched["carrier"]) == ("pending", None)


async def test_bulk_with_a_tracking_number_for_another_status_is_a_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], order_id: int
) -> None:
    response = await client.post(
        BULK_URL,
        json={"ids": [order_id], "status": "paid", "tracking_number": "SF1"},
        headers=admin_headers,
    )

    assert _invalid_locations(response) == [["body", "tracking_number"]]
    assert_error(
        await set_status(client, admin_headers, order_id, OrderStatus.SHIPPED),
        409,
        "invalid_status_transition",
    )
