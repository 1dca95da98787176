"""`RawRead`: a Core SELECT compiled once and run on the session's asyncpg connection, failing
as SQLAlchemy's statements fail, so the API's database error handlers answer the same."""

from decimal import Decimal

import pytest
from sqlalchemy import Float, bindparam, func, select, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.database import create_engine, create_read_sessionmaker
from app.core.errors import BUSY_SQLSTATES
from app.core.raw_reads import RawRead
from app.products.models import Product

_BY_SKU = RawRead(
    select(Product.id, Product.price, func.coalesce(Product.description, "none").label("about"))
    .where(Product.sku == bindparam("sku"))
    .limit(5)
)
_BACKEND = RawRead(select(func.pg_backend_pid().label("pid")))


async def test_a_read_runs_with_its_named_values_in_the_sessions_transaction(
    session: AsyncSession,
) -> None:
    product = Product(name="Raw", sku="RAW-READ-1", price=Decimal("3.50"), stock_quantity=1)
    session.add(product)
    # Flushed, not committed: only a statement in the session's own transaction sees it.
    await session.flush()

    rows = await _BY_SKU.fetch(session, sku="RAW-READ-1")

    # The values the statement holds itself (the literal "none", the limit) are kept.
    assert [dict(row) for row in rows] == [
        {"id": product.id, "price": Decimal("3.50"), "about": "none"}
    ]
    assert await _BY_SKU.fetch(session, sku="NO-SUCH-SKU") == []


@pytest.mark.parametrize("values", [{}, {"sku": "A", "limit": 1}, {"name": "A"}])
async def test_a_read_given_other_values_than_its_parameters_is_refused(
    session: AsyncSession, values: dict[str, str]
) -> None:
    with pytest.raises(TypeError, match=r"expected values for \['sku'\]"):
        await _BY_SKU.fetch(session, **values)


async def test_a_statement_timeout_fails_as_sqlalchemys_error_with_its_sqlstate(
    session: AsyncSession,
) -> None:
    await session.execute(text("SET LOCAL statement_timeout = '20ms'"))
    sleep = RawRead(select(func.pg_sleep(bindparam("seconds", type_=Float))))

    with pytest.raises(sa_exc.DBAPIError) as failure:
        await sleep.fetch(session, seconds=5)

    # What the API's handler answers a 503 `database_busy` for, as for any other statement.
    assert getattr(failure.value.orig, "sqlstate", None) in BUSY_SQLSTATES
    assert not failure.value.connection_invalidated


async def test_a_lost_connection_is_invalidated_and_the_next_read_gets_a_new_one(
    settings: Settings, session: AsyncSession
) -> None:
    engine = create_engine(settings)
    sessions = create_read_sessionmaker(engine)
    try:
        async with sessions() as reading:
            lost = (await _BACKEND.fetch(reading))[0]["pid"]
        await session.execute(select(func.pg_terminate_backend(lost)))

        # The pool hands the same connection out again, and PostgreSQL has closed it.
        async with sessions() as reading:
            with pytest.raises(sa_exc.DBAPIError) as failure:
                await _BACKEND.fetch(reading)
        assert failure.value.connection_invalidated

        async with sessions() as reading:
            assert (await _BACKEND.fetch(reading))[0]["pid"] != lost
    finally:
        await engine.dispose()
