"""Each route declares the session it takes: `ReadSessionDep` where it only reads. A write
there fails, on the tests' sessions as on production's, instead of being kept unnoticed."""

from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal

import pytest
from conftest import MakeSettings
from fastapi import FastAPI
from helpers import client_for, running_app
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import WriteOnReadSession
from app.core.dependencies import ReadSessionDep, SessionDep
from app.products.models import Product

SKU = "WRITTEN-ON-READ"

Write = Callable[[AsyncSession], Awaitable[None]]


async def _add_an_object(session: AsyncSession) -> None:
    session.add(Product(name="Written", sku=SKU, price=Decimal("1.00"), stock_quantity=1))


async def _execute_an_insert(session: AsyncSession) -> None:
    await session.execute(
        insert(Product).values(name="Written", sku=SKU, price=Decimal("1.00"), stock_quantity=1)
    )


WRITES = {"added object": _add_an_object, "INSERT statement": _execute_an_insert}


@pytest.fixture(params=["the tests' sessions", "production's sessions"])
async def wired_app(
    request: pytest.FixtureRequest, app: FastAPI, make_live_settings: MakeSettings
) -> AsyncIterator[FastAPI]:
    """The `app` fixture, on the test's transaction; or an app on its own engine and a
    database of its own, where every commit is real."""
    if request.param == "the tests' sessions":
        yield app
        return
    async with running_app(make_live_settings()) as live:
        yield live


def _add_routes(app: FastAPI, write: Write) -> None:
    async def write_on_read(session: ReadSessionDep) -> None:
        await write(session)

    async def write_on_write(session: SessionDep) -> None:
        await write(session)

    async def count_written(session: ReadSessionDep) -> int:
        return await session.scalar(select(func.count()).where(Product.sku == SKU)) or 0

    app.add_api_route("/api/test-only/write-on-read", write_on_read, methods=["GET"])
    app.add_api_route("/api/test-only/write-on-write", write_on_write, methods=["POST"])
    app.add_api_route("/api/test-only/written", count_written, methods=["GET"])


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
async def test_a_write_on_a_route_that_declared_it_only_reads_fails_and_keeps_nothing(
    wired_app: FastAPI, write: Write
) -> None:
    _add_routes(wired_app, write)
    async with client_for(wired_app) as client:
        with pytest.raises(WriteOnReadSession):
            await client.get("/api/test-only/write-on-read")

        assert (await client.get("/api/test-only/written")).json() == 0
        # The same write on a route that declared it writes goes through.
        assert (await client.post("/api/test-only/write-on-write")).status_code == 200
        assert (await client.get("/api/test-only/written")).json() == 1
