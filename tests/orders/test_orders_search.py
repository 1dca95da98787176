"""Finding orders: by the end of the order number, and for admins by the customer."""

from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory, UserFactory
from helpers import assert_error, assert_ok
from orders_support import ORDERS_URL, placed_order
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.orders.models import Order
from app.orders.schemas import MAX_SEARCH_LENGTH
from app.users.models import User


async def _numbered(
    session: AsyncSession,
    client: httpx.AsyncClient,
    headers: dict[str, str],
    product: Any,
    number: str,
) -> int:
    """An order placed through the API, then given `number` as its order number."""
    order_id: int = (await placed_order(client, headers, (product, 1)))["id"]
    await session.execute(update(Order).where(Order.id == order_id).values(order_number=number))
    await session.commit()
    return order_id


async def _found(client: httpx.AsyncClient, headers: dict[str, str], search: str) -> set[int]:
    page = assert_ok(await client.get(ORDERS_URL, params={"search": search}, headers=headers))
    assert page["total"] == len(page["items"])
    return {order["id"] for order in page["items"]}


@pytest.fixture
async def customers(make_user: UserFactory) -> tuple[User, User]:
    return (
        await make_user(username="alice.smith", email="Alice.Smith@Example.com"),
        await make_user(username="bob", email="bob@example.org"),
    )


@pytest.fixture
async def numbered(
    session: AsyncSession,
    client: httpx.AsyncClient,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    customers: tuple[User, User],
) -> dict[str, int]:
    """Alice's orders ...000042, ...000142 and ...000043, Bob's ...100042; ids by number."""
    alice, bob = customers
    product = await make_product()
    numbers = {
        "ORD-20261123-000042": alice,
        "ORD-20261123-000142": alice,
        "ORD-20261124-000043": alice,
        "ORD-20261124-100042": bob,
    }
    return {
        number: await _numbered(session, client, auth_headers(owner), product, number)
        for number, owner in numbers.items()
    }


async def test_the_last_digits_find_every_order_ending_in_them(
    client: httpx.AsyncClient, auth_headers: AuthHeaders, admin: User, numbered: dict[str, int]
) -> None:
    headers = auth_headers(admin)
    assert await _found(client, headers, "42") == {
        numbered["ORD-20261123-000042"],
        numbered["ORD-20261123-000142"],
        numbered["ORD-20261124-100042"],
    }
    assert await _found(client, headers, "000042") == {numbered["ORD-20261123-000042"]}
    assert await _found(client, headers, "0142") == {numbered["ORD-20261123-000142"]}


async def test_the_whole_number_finds_its_order_in_any_case(
    client: httpx.AsyncClient, auth_headers: AuthHeaders, admin: User, numbered: dict[str, int]
) -> None:
    expected = {numbered["ORD-20261123-000042"]}
    assert await _found(client, auth_headers(admin), "ORD-20261123-000042") == expected
    assert await _found(client, auth_headers(admin), " ord-20261123-000042 ") == expected


async def test_digits_in_the_middle_of_a_number_find_nothing(
    client: httpx.AsyncClient, auth_headers: AuthHeaders, admin: User, numbered: dict[str, int]
) -> None:
    assert await _found(client, auth_headers(admin), "20261123") == set()


async def test_customers_find_only_their_own_orders(
    client: httpx.AsyncClient,
    auth_headers: AuthHeaders,
    customers: tuple[User, User],
    numbered: dict[str, int],
) -> None:
    alice, bob = customers
    assert await _found(client, auth_headers(bob), "42") == {numbered["ORD-20261124-100042"]}
    assert await _found(client, auth_headers(alice), "100042") == set()


async def test_admins_find_orders_by_part_of_the_customers_username_or_email(
    client: httpx.AsyncClient, auth_headers: AuthHeaders, admin: User, numbered: dict[str, int]
) -> None:
    alices = {
        numbered["ORD-20261123-000042"],
        numbered["ORD-20261123-000142"],
        numbered["ORD-20261124-000043"],
    }
    assert await _found(client, auth_headers(admin), "SMITH") == alices
    assert await _found(client, auth_headers(admin), "example.org") == {
        numbered["ORD-20261124-100042"]
    }


async def test_customers_do_not_search_by_username(
    client: httpx.AsyncClient,
    auth_headers: AuthHeaders,
    customers: tuple[User, User],
    numbered: dict[str, int],
) -> None:
    alice, _ = customers
    assert await _found(client, auth_headers(alice), "alice") == set()


async def test_wildcards_in_the_search_are_literal(
    client: httpx.AsyncClient, auth_headers: AuthHeaders, admin: User, numbered: dict[str, int]
) -> None:
    assert await _found(client, auth_headers(admin), "_2") == set()
    assert await _found(client, auth_headers(admin), "%42") == set()


async def test_search_combines_with_the_other_filters(
    client: httpx.AsyncClient,
    auth_headers: AuthHeaders,
    admin: User,
    customers: tuple[User, User],
    numbered: dict[str, int],
) -> None:
    _, bob = customers
    page = assert_ok(
        await client.get(
            ORDERS_URL, params={"search": "42", "user_id": bob.id}, headers=auth_headers(admin)
        )
    )
    assert [order["id"] for order in page["items"]] == [numbered["ORD-20261124-100042"]]


@pytest.mark.parametrize(
    "search",
    ["4", " 4 ", "4" * (MAX_SEARCH_LENGTH + 1), "00\x0042", "4\n2", "4\x1b2", "4\x7f2"],
    ids=["one character", "one once trimmed", "too long", "NUL", "newline", "escape", "DEL"],
)
async def test_a_search_too_short_too_long_or_with_control_characters_is_a_422(
    client: httpx.AsyncClient, auth_headers: AuthHeaders, user: User, search: str
) -> None:
    response = await client.get(ORDERS_URL, params={"search": search}, headers=auth_headers(user))
    assert_error(response, 422, "validation_error")
