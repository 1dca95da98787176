"""Every row lock and stock movement on products goes through here.

Rows are always locked in ascending id order, so two transactions that touch the same
products (two checkouts, a checkout and a cancellation) queue up instead of deadlocking.
Stock arithmetic happens in SQL on the locked rows, with `CHECK (stock_quantity >= 0)`
behind it. An admin's adjustment of one product is a single conditional UPDATE, which
locks its one row itself.
"""

import typing
from collections.abc import Collection, Mapping

from sqlalchemy import BigInteger, Table, bindparam, cast, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.products.models import Product

# `stock_quantity` is a PostgreSQL `integer`.
MAX_STOCK = 2_147_483_647


async def lock_products(session: AsyncSession, product_ids: Collection[int]) -> dict[int, Product]:
    """The products that exist among `product_ids`, locked until the transaction ends."""
    rows = await session.scalars(
        select(Product)
        .where(Product.id.in_(sorted(product_ids)))
        .order_by(Product.id)
        .with_for_update()
        # The identity map may hold stale copies; a lock is only useful with fresh values.
        .execution_options(populate_existing=True)
    )
    return {product.id: product for product in rows}


async def move_stock(session: AsyncSession, deltas: Mapping[int, int]) -> None:
    """Add each delta (negative to take stock) to its product, in ascending id order.

    Callers hold the locks from `lock_products` and have checked the result stays >= 0.
    """
    if not deltas:
        return
    products = typing.cast(Table, Product.__table__)
    # A Core statement with many parameter sets: one executemany round trip.
    statement = (
        update(products)
        .where(products.c.id == bindparam("product_id"))
        .values(stock_quantity=products.c.stock_quantity + bindparam("delta"))
    )
    await session.execute(
        statement,
        [{"product_id": product_id, "delta": deltas[product_id]} for product_id in sorted(deltas)],
    )


async def adjust_stock(session: AsyncSession, product_id: int, delta: int) -> Product | None:
    """Add `delta` to one product's stock in a single statement; no lock taken beforehand.

    The row is only updated if the result stays within 0..MAX_STOCK: PostgreSQL re-checks
    that condition on the newest row version after waiting for any concurrent writer, so
    racing adjustments never take more than there is. Returns the updated product, or None
    when there is no such product or the result would fall outside the range.
    """
    # In bigint, so `stock_quantity + delta` can't overflow `integer` while being checked.
    result = cast(Product.stock_quantity, BigInteger) + delta
    updated: Product | None = await session.scalar(
        update(Product)
        .where(Product.id == product_id, result.between(0, MAX_STOCK))
        .values(stock_quantity=Product.stock_quantity + delta)
        .returning(Product)
        .execution_options(populate_existing=True)
    )
    return updated
