"""Every row lock and stock movement on products goes through here.

Rows are always locked in ascending id order, so two transactions that touch the same
products (two checkouts, a checkout and a cancellation) queue up instead of deadlocking.
Stock arithmetic happens in SQL on the locked rows, with `CHECK (stock_quantity >= 0)`
behind it. An admin's adjustment of one product is a single conditional UPDATE, which
locks its one row itself.
"""

import typing
from collections.abc import Collection, Mapping
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Integer,
    Select,
    Table,
    any_,
    bindparam,
    cast,
    false,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from app.products.models import Product, ProductStatus

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


# See TAKE_STOCK: the product's columns are None for a product that doesn't exist.
TakenLine = tuple[int, int, bool, bool, str | None, str | None, Decimal | None, int | None]


def _take_stock() -> Select[*TakenLine]:
    products = typing.cast(Table, Product.__table__)
    product_ids = bindparam("product_ids", type_=ARRAY(Integer))
    asked_ids = products.c.id == any_(product_ids)
    lines = (
        func.unnest(product_ids, bindparam("quantities", type_=ARRAY(Integer)))
        .table_valued("product_id", "quantity")
        .render_derived(name="lines")
    )
    asked = select(lines.c.product_id, lines.c.quantity).cte("asked")
    # MATERIALIZED: every lock is taken once, in this scan's id order, before the UPDATE below
    # (which reads the verdicts through a subquery evaluated before it touches any row).
    locked = (
        select(
            products.c.id,
            products.c.name,
            products.c.sku,
            products.c.price,
            products.c.status,
            products.c.stock_quantity,
        )
        .where(asked_ids)
        .order_by(products.c.id)
        .with_for_update()
        .cte("locked")
        .prefix_with("MATERIALIZED")
    )
    available = func.coalesce(locked.c.status == ProductStatus.ACTIVE, false())
    enough = func.coalesce(locked.c.stock_quantity >= asked.c.quantity, false())
    verdicts = (
        select(
            asked.c.product_id,
            asked.c.quantity.label("requested"),
            available.label("available"),
            enough.label("enough"),
            locked.c.name,
            locked.c.sku,
            locked.c.price,
            locked.c.stock_quantity,
        )
        .select_from(asked.outerjoin(locked, locked.c.id == asked.c.product_id))
        .cte("verdicts")
    )
    every_line_covered = select(
        func.bool_and(verdicts.c.available & verdicts.c.enough)
    ).scalar_subquery()
    # From the locked stock, not `products.stock_quantity`: this UPDATE reads the rows as
    # of the statement's start, and PostgreSQL checks the CHECK on the row computed from
    # that before it notices a newer version (committed while the locks were awaited) and
    # redoes the row on it. The locked values are the newest, and stay so until commit.
    taken = (
        update(products)
        # `asked_ids` too, for the primary key's index: the planner can't see into a CTE.
        .where(asked_ids, products.c.id == verdicts.c.product_id, every_line_covered)
        .values(stock_quantity=verdicts.c.stock_quantity - verdicts.c.requested)
        .cte("taken")
    )
    return select(*verdicts.c).add_cte(taken).order_by(verdicts.c.product_id)


# One statement that locks the products asked for in ascending id order and takes their
# quantities from their stock only if every one of them is active and has enough; run it
# with `take_stock_parameters`. Built once: it is big, and building it cost more than
# running it.
#
# A row per product id asked for, ascending: `product_id`, `requested`, `available`,
# `enough`, then the locked row's `name`, `sku`, `price` and `stock_quantity` (before the
# taking; all None for a product that doesn't exist). Any line not `available` or not
# `enough` means nothing was taken, so the caller can say precisely why without a second
# statement: the verdicts are computed once, on the locked (newest) rows, and both the
# taking and the caller's answer read them. Callers may add columns (`add_columns`) to read
# in the same round trip.
TAKE_STOCK = _take_stock()


def take_stock_parameters(quantities: Mapping[int, int]) -> dict[str, list[int]]:
    """TAKE_STOCK's parameters for taking `quantities` (per product id)."""
    product_ids = sorted(quantities)
    return {
        "product_ids": product_ids,
        "quantities": [quantities[product_id] for product_id in product_ids],
    }


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
