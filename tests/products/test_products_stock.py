"""POST /api/products/{id}/stock: admins add or take stock in one atomic statement.

The stock never goes below zero (nor above what an `integer` holds); a refused adjustment
changes nothing and says how much there is.
"""

from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory
from helpers import assert_error, assert_ok, read_ok
from products_support import product_url, stored_product
from sqlalchemy.ext.asyncio import AsyncSession

from app.products.models import ProductStatus
from app.users.models import User

MAX_STOCK = 2_147_483_647


async def adjust(
    client: httpx.AsyncClient, headers: dict[str, str], product_id: int, delta: Any
) -> httpx.Response:
    return await client.post(
        product_url(product_id, "/stock"), json={"delta": delta}, headers=headers
    )


async def stock_of(session: AsyncSession, product_id: int) -> int:
    row = await stored_product(session, product_id)
    assert row is not None
    stock: int = row.stock_quantity
    return stock


@pytest.mark.parametrize(
    ("start", "delta", "result"),
    [
        (10, 5, 15),
        (10, -3, 7),
        (10, -10, 0),
        (0, 1, 1),
        (0, MAX_STOCK, MAX_STOCK),
        (MAX_STOCK, -MAX_STOCK, 0),
    ],
)
async def test_an_adjustment_moves_the_stock_and_returns_the_product(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    start: int,
    delta: int,
    result: int,
) -> None:
    product = await make_product(stock_quantity=start)
    before = await read_ok(client, product_url(product.id), auth_headers(admin))

    response = await adjust(client, auth_headers(admin), product.id, delta)

    assert assert_ok(response) == before | {"stock_quantity": result}
    assert await stock_of(session, product.id) == result


async def test_successive_adjustments_add_up(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
) -> None:
    product = await make_product(stock_quantity=10)

    for delta in (5, -12, 2, -5):
        assert_ok(await adjust(client, auth_headers(admin), product.id, delta))

    assert await stock_of(session, product.id) == 0


@pytest.mark.parametrize(("start", "delta"), [(10, -11), (0, -1), (3, -MAX_STOCK)])
async def test_taking_more_than_there_is_is_409_with_the_available_stock(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    start: int,
    delta: int,
) -> None:
    product = await make_product(stock_quantity=start)

    response = await adjust(client, auth_headers(admin), product.id, delta)

    body = assert_error(response, 409, "insufficient_stock")
    assert body["items"] == [{"product_id": product.id, "requested": -delta, "available": start}]
    assert await stock_of(session, product.id) == start


@pytest.mark.parametrize(("start", "delta"), [(MAX_STOCK, 1), (MAX_STOCK - 5, 6), (1, MAX_STOCK)])
async def test_adding_past_the_largest_stock_is_409_and_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    start: int,
    delta: int,
) -> None:
    product = await make_product(stock_quantity=start)

    response = await adjust(client, auth_headers(admin), product.id, delta)

    body = assert_error(response, 409, "stock_limit_exceeded")
    assert (body["available"], body["maximum"]) == (start, MAX_STOCK)
    assert await stock_of(session, product.id) == start


@pytest.mark.parametrize("status", [ProductStatus.INACTIVE, ProductStatus.ARCHIVED])
async def test_the_stock_of_a_hidden_product_can_be_adjusted(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    status: ProductStatus,
) -> None:
    product = await make_product(stock_quantity=4, status=status)

    response = await adjust(client, auth_headers(admin), product.id, -4)

    assert assert_ok(response)["status"] == status.value
    assert await stock_of(session, product.id) == 0


async def test_adjusting_a_product_that_does_not_exist_is_404(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders
) -> None:
    for delta in (1, -1):
        response = await adjust(client, auth_headers(admin), MAX_STOCK, delta)
        assert_error(response, 404, "product_not_found")


async def test_a_whole_number_written_with_a_fraction_counts(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders, make_product: ProductFactory
) -> None:
    """JSON Schema calls 2.0 an integer, and JavaScript can't tell it from 2."""
    product = await make_product(stock_quantity=10)

    response = await client.post(
        product_url(product.id, "/stock"), json={"delta": 2.0}, headers=auth_headers(admin)
    )

    assert response.status_code == 200, response.text
    assert response.json()["stock_quantity"] == 12


@pytest.mark.parametrize(
    "body",
    [
        {"delta": 0},
        {"delta": 1.5},
        {"delta": "3"},
        {"delta": True},
        {"delta": None},
        {"delta": MAX_STOCK + 1},
        {"delta": -MAX_STOCK - 1},
        {},
        {"delta": 1, "reason": "recount"},
        {"stock_quantity": 5},
    ],
    ids=str,
)
async def test_an_invalid_adjustment_is_422_and_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    body: dict[str, Any],
) -> None:
    product = await make_product(stock_quantity=10)

    response = await client.post(
        product_url(product.id, "/stock"), json=body, headers=auth_headers(admin)
    )

    assert_error(response, 422, "validation_error")
    assert await stock_of(session, product.id) == 10


async def test_a_zero_delta_says_why(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders, make_product: ProductFactory
) -> None:
    product = await make_product()

    response = await adjust(client, auth_headers(admin), product.id, 0)

    body = assert_error(response, 422, "validation_error")
    assert [error["type"] for error in body["detail"]] == ["zero_delta"]
