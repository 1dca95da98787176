"""Concurrent admins and customers over real connections and real commits.

These tests run an app on a database of their own (not inside a test transaction), so that
every request commits on its own connection exactly as in production.
"""

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from decimal import Decimal

import httpx
import pytest
from alembic import command
from conftest import MakeSettings
from helpers import bearer, client_for, running_app
from products_support import PRODUCTS_URL, new_product, product_url
from sqlalchemy import func, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.migrations import alembic_config
from app.core.security import create_access_token
from app.orders.models import OrderItem
from app.products.models import Product
from app.users import service as users_service
from app.users.models import UserRole
from app.users.schemas import UserRegister

RUSH = 20


@dataclass
class Store:
    client: httpx.AsyncClient
    sessions: async_sessionmaker[AsyncSession]
    admin_headers: dict[str, str]
    customer_headers: dict[str, str]

    async def add_product(self, *, stock: int) -> int:
        async with self.sessions() as session, session.begin():
            product = Product(
                name="Contested", sku=f"CONTESTED-{stock}", price=Decimal("1.00"),
                stock_quantity=stock,
            )  # fmt: skip
            session.add(product)
            await session.flush()
            return product.id

    async def product(self, product_id: int) -> Product | None:
        async with self.sessions() as session:
            return await session.get(Product, product_id)

    async def count(self, model: type[Product] | type[OrderItem]) -> int:
        async with self.sessions() as session:
            return await session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
async def store(scratch_database_url: URL, make_settings: MakeSettings) -> AsyncIterator[Store]:
    await asyncio.to_thread(command.upgrade, alembic_config(scratch_database_url), "head")
    settings = make_settings(
        DATABASE_URL=scratch_database_url.render_as_string(hide_password=False),
        DATABASE_POOL_SIZE=RUSH,
        DATABASE_MAX_OVERFLOW=RUSH,
    )
    async with running_app(settings) as app, client_for(app) as client:
        sessions: async_sessionmaker[AsyncSession] = app.state.sessionmaker
        async with sessions() as session, session.begin():
            admin, customer = [
                await users_service.register_user(
                    session,
                    UserRegister(
                        username=role.value, email=f"{role.value}@example.com", password="p" * 12
                    ),
                    role=role,
                )
                for role in (UserRole.ADMIN, UserRole.USER)
            ]

        def headers(user_id: int) -> dict[str, str]:
            return bearer(create_access_token(subject=user_id, settings=settings))

        yield Store(client, sessions, headers(admin.id), headers(customer.id))


async def test_twenty_racing_decrements_of_ten_units_succeed_exactly_ten_times(
    store: Store,
) -> None:
    product_id = await store.add_product(stock=10)
    url = product_url(product_id, "/stock")

    responses = await asyncio.gather(
        *(
            store.client.post(url, json={"delta": -1}, headers=store.admin_headers)
            for _ in range(RUSH)
        )
    )

    assert Counter(response.status_code for response in responses) == {200: 10, 409: 10}
    succeeded = [response.json() for response in responses if response.status_code == 200]
    # Each success saw the stock its own decrement left: every value from 9 down to 0, once.
    assert sorted(body["stock_quantity"] for body in succeeded) == list(range(10))
    refused = [response.json() for response in responses if response.status_code == 409]
    assert {(body["code"], body["items"][0]["available"]) for body in refused} == {
        ("insufficient_stock", 0)
    }
    product = await store.product(product_id)
    assert product is not None
    assert product.stock_quantity == 0


async def test_decrements_racing_orders_never_oversell(store: Store) -> None:
    product_id = await store.add_product(stock=10)
    adjustments = [
        store.client.post(
            product_url(product_id, "/stock"), json={"delta": -1}, headers=store.admin_headers
        )
        for _ in range(RUSH // 2)
    ]
    orders = [
        store.client.post(
            "/api/orders",
            json={"items": [{"product_id": product_id, "quantity": 1}]},
            headers=store.customer_headers,
        )
        for _ in range(RUSH // 2)
    ]

    responses = await asyncio.gather(*adjustments, *orders)

    successes = sum(response.status_code in {200, 201} for response in responses)
    assert successes == 10
    assert {response.status_code for response in responses} <= {200, 201, 409}
    product = await store.product(product_id)
    assert product is not None
    assert product.stock_quantity == 0
    ordered = sum(response.status_code == 201 for response in responses[RUSH // 2 :])
    assert await store.count(OrderItem) == ordered


async def test_a_delete_racing_orders_either_deletes_or_archives_consistently(
    store: Store,
) -> None:
    product_id = await store.add_product(stock=100)
    orders = [
        store.client.post(
            "/api/orders",
            json={"items": [{"product_id": product_id, "quantity": 1}]},
            headers=store.customer_headers,
        )
        for _ in range(RUSH)
    ]
    deletion = store.client.delete(product_url(product_id), headers=store.admin_headers)

    *placed, deleted = await asyncio.gather(*orders, deletion)

    assert deleted.status_code == 204, deleted.text
    accepted = sum(response.status_code == 201 for response in placed)
    assert {response.status_code for response in placed} <= {201, 422}
    product = await store.product(product_id)
    if accepted:
        # Orders went through first: the product stays, archived, for their history.
        assert product is not None
        assert (product.status, product.stock_quantity) == ("archived", 100 - accepted)
    else:
        assert product is None
    assert await store.count(OrderItem) == accepted


async def test_racing_creates_of_one_sku_in_different_cases_create_one_product(
    store: Store,
) -> None:
    spellings = ["race-sku", "RACE-SKU", "Race-Sku", "rAcE-sKu"] * (RUSH // 4)

    responses = await asyncio.gather(
        *(
            store.client.post(PRODUCTS_URL, json=new_product(spelling), headers=store.admin_headers)
            for spelling in spellings
        )
    )

    assert Counter(response.status_code for response in responses) == {201: 1, 409: RUSH - 1}
    refused = {response.json()["code"] for response in responses if response.status_code == 409}
    assert refused == {"sku_taken"}
    assert await store.count(Product) == 1
