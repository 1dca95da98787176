"""Concurrent clients over real connections and real commits: no oversell, no deadlock,
no double order, no double restock.

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
from helpers import client_for, running_app
from orders_support import ORDERS_URL, lines
from sqlalchemy import func, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.migrations import alembic_config
from app.core.security import create_access_token
from app.orders.models import Order, OrderItem
from app.products.models import Product
from app.users import service as users_service
from app.users.models import UserRole
from app.users.schemas import UserRegister

CUSTOMERS = 10
RUSH = 120


@dataclass
class Shop:
    client: httpx.AsyncClient
    sessions: async_sessionmaker[AsyncSession]
    settings: Settings
    customer_headers: list[dict[str, str]]
    admin_headers: dict[str, str]

    async def add_product(self, *, stock: int, price: str = "1.00") -> int:
        async with self.sessions() as session, session.begin():
            product = Product(
                name=f"Rush item {stock}", sku=f"RUSH-{stock}-{price}", price=Decimal(price),
                stock_quantity=stock,
            )  # fmt: skip
            session.add(product)
            await session.flush()
            return product.id

    async def stock(self, product_id: int) -> int:
        async with self.sessions() as session:
            product = await session.get(Product, product_id)
            assert product is not None
            return product.stock_quantity

    async def count(self, model: type[Order] | type[OrderItem]) -> int:
        async with self.sessions() as session:
            return await session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
async def shop(scratch_database_url: URL, make_settings: MakeSettings) -> AsyncIterator[Shop]:
    await asyncio.to_thread(command.upgrade, alembic_config(scratch_database_url), "head")
    settings = make_settings(
        DATABASE_URL=scratch_database_url.render_as_string(hide_password=False),
        DATABASE_POOL_SIZE=20,
        DATABASE_MAX_OVERFLOW=20,
    )
    async with running_app(settings) as app, client_for(app) as client:
        sessions: async_sessionmaker[AsyncSession] = app.state.sessionmaker
        async with sessions() as session, session.begin():
            users = [
                await users_service.register_user(
                    session,
                    UserRegister(
                        username=f"rush{index}",
                        email=f"rush{index}@example.com",
                        password="rush-password",
                    ),
                    role=UserRole.ADMIN if index == 0 else UserRole.USER,
                )
                for index in range(CUSTOMERS + 1)
            ]

        def headers(user_id: int) -> dict[str, str]:
            token = create_access_token(subject=user_id, settings=settings)
            return {"Authorization": f"Bearer {token}"}

        yield Shop(
            client=client,
            sessions=sessions,
            settings=settings,
            customer_headers=[headers(user.id) for user in users[1:]],
            admin_headers=headers(users[0].id),
        )


async def test_a_rush_on_twenty_units_sells_exactly_twenty(shop: Shop) -> None:
    product_id = await shop.add_product(stock=20)

    responses = await asyncio.gather(
        *(
            shop.client.post(
                ORDERS_URL,
                json={"items": lines((product_id, 1))},
                headers=shop.customer_headers[index % CUSTOMERS],
            )
            for index in range(RUSH)
        )
    )

    outcomes = Counter(response.status_code for response in responses)
    assert outcomes == {201: 20, 409: RUSH - 20}
    refused = {response.json()["code"] for response in responses if response.status_code == 409}
    assert refused == {"insufficient_stock"}
    assert await shop.stock(product_id) == 0
    assert await shop.count(Order) == 20


async def test_opposite_line_orders_do_not_deadlock(shop: Shop) -> None:
    first = await shop.add_product(stock=1000)
    second = await shop.add_product(stock=1000, price="2.00")
    orderings = [lines((first, 1), (second, 1)), lines((second, 1), (first, 1))]

    responses = await asyncio.gather(
        *(
            shop.client.post(
                ORDERS_URL,
                json={"items": orderings[index % 2]},
                headers=shop.customer_headers[index % CUSTOMERS],
            )
            for index in range(RUSH)
        )
    )

    assert Counter(response.status_code for response in responses) == {201: RUSH}
    assert await shop.stock(first) == 1000 - RUSH
    assert await shop.stock(second) == 1000 - RUSH


async def test_concurrent_repeats_of_one_key_make_one_order(shop: Shop) -> None:
    product_id = await shop.add_product(stock=100)
    headers = {**shop.customer_headers[0], "Idempotency-Key": "double-click"}

    responses = await asyncio.gather(
        *(
            shop.client.post(ORDERS_URL, json={"items": lines((product_id, 3))}, headers=headers)
            for _ in range(20)
        )
    )

    assert Counter(response.status_code for response in responses) == {201: 1, 200: 19}
    assert len({response.json()["id"] for response in responses}) == 1
    assert await shop.stock(product_id) == 97
    assert await shop.count(Order) == 1


async def test_racing_cancels_restock_once(shop: Shop) -> None:
    product_id = await shop.add_product(stock=10)
    owner = shop.customer_headers[0]
    placed = await shop.client.post(
        ORDERS_URL, json={"items": lines((product_id, 4))}, headers=owner
    )
    order_id = placed.json()["id"]
    cancel = f"{ORDERS_URL}/{order_id}/cancel"

    responses = await asyncio.gather(
        shop.client.post(cancel, headers=owner),
        shop.client.post(cancel, headers=shop.admin_headers),
        shop.client.post(cancel, headers=owner),
    )

    assert sorted(response.status_code for response in responses) == [200, 409, 409]
    assert await shop.stock(product_id) == 10
