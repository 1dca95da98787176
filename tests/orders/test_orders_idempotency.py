"""The Idempotency-Key header: a repeat returns the same order and never takes stock twice."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory, UserFactory
from helpers import assert_error, assert_ok
from orders_support import ORDERS_URL, current_stock, lines
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.orders.models import IdempotencyKey, Order
from app.products.models import Product
from app.users.models import User


async def _order(
    client: httpx.AsyncClient, headers: dict[str, str], product: Product, quantity: int, key: str
) -> httpx.Response:
    return await client.post(
        ORDERS_URL,
        json={"items": lines((product, quantity))},
        headers={**headers, "Idempotency-Key": key},
    )


async def _orders_of(session: AsyncSession, user: User) -> int:
    return await session.scalar(select(func.count()).where(Order.user_id == user.id)) or 0


async def test_a_repeat_returns_the_same_order_with_200_and_takes_no_more_stock(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    session: AsyncSession,
) -> None:
    product = await make_product(stock_quantity=10)
    first = assert_ok(await _order(client, auth_headers(user), product, 2, "checkout-1"), 201)
    repeat = assert_ok(await _order(client, auth_headers(user), product, 2, "checkout-1"), 200)

    assert repeat == first
    assert await current_stock(session, product) == 8
    assert await _orders_of(session, user) == 1


async def test_the_same_key_with_another_body_is_422(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    session: AsyncSession,
) -> None:
    product = await make_product(stock_quantity=10)
    assert_ok(await _order(client, auth_headers(user), product, 2, "checkout-2"), 201)
    response = await _order(client, auth_headers(user), product, 3, "checkout-2")
    assert_error(response, 422, "idempotency_key_reused")
    assert await current_stock(session, product) == 8


async def test_keys_belong_to_their_user(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
) -> None:
    alice, bob = await make_user(), await make_user()
    product = await make_product(stock_quantity=10)
    for_alice = assert_ok(await _order(client, auth_headers(alice), product, 1, "same-key"), 201)
    for_bob = assert_ok(await _order(client, auth_headers(bob), product, 1, "same-key"), 201)
    assert for_alice["id"] != for_bob["id"]
    assert for_bob["user_id"] == bob.id


async def test_a_key_older_than_24_hours_is_forgotten(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    session: AsyncSession,
) -> None:
    product = await make_product(stock_quantity=10)
    first = assert_ok(await _order(client, auth_headers(user), product, 1, "old-key"), 201)
    await session.execute(
        update(IdempotencyKey).values(created_at=datetime.now(UTC) - timedelta(hours=25))
    )
    await session.commit()

    again = assert_ok(await _order(client, auth_headers(user), product, 1, "old-key"), 201)

    assert again["id"] != first["id"]
    assert await current_stock(session, product) == 8


async def test_a_refused_order_does_not_use_up_its_key(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    session: AsyncSession,
) -> None:
    product = await make_product(stock_quantity=1)
    assert_error(
        await _order(client, auth_headers(user), product, 2, "retry-me"), 409, "insufficient_stock"
    )
    await session.execute(update(Product).where(Product.id == product.id).values(stock_quantity=5))
    await session.commit()
    assert_ok(await _order(client, auth_headers(user), product, 2, "retry-me"), 201)


@pytest.mark.parametrize("key", ["", "k" * 256])
async def test_a_key_must_be_1_to_255_characters(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    key: str,
) -> None:
    product = await make_product()
    response = await _order(client, auth_headers(user), product, 1, key)
    assert_error(response, 422, "validation_error")


async def test_a_255_character_key_is_accepted(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders, make_product: ProductFactory
) -> None:
    product = await make_product()
    assert_ok(await _order(client, auth_headers(user), product, 1, "k" * 255), 201)
