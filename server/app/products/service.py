"""Products: the catalogue, who sees which products, and stock adjustments by admins."""

from functools import cache
from typing import Any

from sqlalchemy import ARRAY, Integer, Select, String, any_, bindparam, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.database import violated_constraint
from app.core.pagination import PageQuery, PageResult, contains_pattern, order_by, sort_columns
from app.products import stock
from app.products.exceptions import (
    InsufficientStock,
    ProductNotFound,
    SkuTaken,
    StockLimit,
    StockLimitExceeded,
    StockShortage,
)
from app.products.models import Product, ProductStatus, ProductStatusCount
from app.products.schemas import (
    ProductCreate,
    ProductFilters,
    ProductListParams,
    ProductSort,
    ProductUpdate,
)
from app.users.callers import Caller

_SORT_COLUMNS = sort_columns(ProductSort, Product)
_REFERENCED_BY_ORDERS = "fk_order_items_product_id_products"
# The catalogue's bind parameters (`_catalogue`).
_STATUSES = "statuses"
_PATTERN = "pattern"
_MIN_PRICE = "min_price"
_MAX_PRICE = "max_price"
_LOW_STOCK = "low_stock"


async def get_product(session: AsyncSession, product_id: int) -> Product:
    product = await session.get(Product, product_id)
    if product is None:
        raise ProductNotFound
    return product


async def get_visible_product(session: AsyncSession, *, viewer: Caller, product_id: int) -> Product:
    """Any product for admins; only active ones for customers."""
    product = await get_product(session, product_id)
    if not viewer.role.is_admin and product.status is not ProductStatus.ACTIVE:
        # The same 404 as for a product that doesn't exist.
        raise ProductNotFound
    return product


def _visible_statuses(viewer: Caller, filters: ProductFilters) -> list[ProductStatus]:
    if not viewer.role.is_admin:
        # Customers see active products only: asking for another status finds nothing.
        return [ProductStatus.ACTIVE] if filters.status in (None, ProductStatus.ACTIVE) else []
    if filters.status is not None:
        return [filters.status]
    # Archived products are kept for their orders, not shown unless asked for.
    return [status for status in ProductStatus if status is not ProductStatus.ARCHIVED]


def _catalogue_values(viewer: Caller, filters: ProductFilters) -> dict[str, Any]:
    """The values of `_catalogue`'s bind parameters: the statuses `viewer` sees, and each
    filter given. Which filters are given is the statement's shape."""
    values: dict[str, Any] = {_STATUSES: _visible_statuses(viewer, filters)}
    if filters.search:
        values[_PATTERN] = contains_pattern(filters.search)
    given = {
        _MIN_PRICE: filters.min_price,
        _MAX_PRICE: filters.max_price,
        _LOW_STOCK: filters.low_stock,
    }
    return values | {name: value for name, value in given.items() if value is not None}


def _catalogue(filtered_by: frozenset[str]) -> Select[Product]:
    """The products among the visible statuses that the filters named in `filtered_by`
    pick, with a bind parameter for each (`_catalogue_values` gives them)."""
    conditions = [Product.status == any_(bindparam(_STATUSES, type_=ARRAY(String)))]
    if _PATTERN in filtered_by:
        # lower(column) LIKE lower(pattern): the expression the trigram indexes are built on.
        pattern = func.lower(bindparam(_PATTERN, type_=String))
        conditions.append(
            or_(
                func.lower(Product.name).like(pattern, escape="\\"),
                func.lower(Product.sku).like(pattern, escape="\\"),
            )
        )
    if _MIN_PRICE in filtered_by:
        conditions.append(Product.price >= bindparam(_MIN_PRICE, type_=Product.price.type))
    if _MAX_PRICE in filtered_by:
        conditions.append(Product.price <= bindparam(_MAX_PRICE, type_=Product.price.type))
    if _LOW_STOCK in filtered_by:
        conditions.append(Product.stock_quantity < bindparam(_LOW_STOCK, type_=Integer))
    return select(Product).where(*conditions)


def filtered_products(viewer: Caller, filters: ProductFilters) -> Select[Product]:
    """The products `viewer` sees among those `filters` pick."""
    values = _catalogue_values(viewer, filters)
    return _catalogue(frozenset(values)).params(values)


@cache
def _catalogue_page(
    sort: ProductSort, *, filtered_by: frozenset[str], by_cursor: bool
) -> PageQuery:
    """The list's page for one shape of request, compiled once."""
    total_of = None
    if filtered_by == {_STATUSES}:
        # Filtered by status alone, the total is a sum of the maintained counts, not a count
        # of every visible row (which took 0.2 s at a million products).
        total_of = select(func.coalesce(func.sum(ProductStatusCount.products), 0)).where(
            ProductStatusCount.status == any_(bindparam(_STATUSES, type_=ARRAY(String)))
        )
    return PageQuery(
        _catalogue(filtered_by),
        sort=order_by(sort, _SORT_COLUMNS, tiebreaker=Product.id),
        by_cursor=by_cursor,
        total_of=total_of,
    )


async def list_products(
    session: AsyncSession, *, viewer: Caller, params: ProductListParams
) -> PageResult[dict[str, Any]]:
    """A page of the products `viewer` sees, as rows by column name."""
    values = _catalogue_values(viewer, params)
    query = _catalogue_page(
        params.sort, filtered_by=frozenset(values), by_cursor=params.cursor is not None
    )
    return await query.fetch(session, params, **values)


async def flush_products(session: AsyncSession) -> None:
    """Flush, turning the unique violation on the SKU into its 409."""
    try:
        await session.flush()
    except IntegrityError as error:
        if violated_constraint(error) != "uq_products_sku_lower":
            raise
        raise SkuTaken from None


async def _flush_product(session: AsyncSession, product: Product) -> Product:
    """Flush, then reload the values the server sets."""
    await flush_products(session)
    await session.refresh(product)
    return product


async def create_product(session: AsyncSession, data: ProductCreate) -> Product:
    product = Product(**data.model_dump())
    session.add(product)
    return await _flush_product(session, product)


async def update_product(
    session: AsyncSession, *, product_id: int, changes: ProductUpdate
) -> Product:
    # Locked, so a concurrent delete waits for this change or makes it a 404.
    product = (await stock.lock_products(session, [product_id])).get(product_id)
    if product is None:
        raise ProductNotFound
    fields = changes.model_dump(exclude_unset=True)
    for field, value in fields.items():
        setattr(product, field, value)
    return await _flush_product(session, product)


async def delete_product(session: AsyncSession, product_id: int) -> None:
    """Delete the product, or archive it if order lines reference it.

    The DELETE runs in a savepoint, and the foreign key of `order_items` decides: no window
    in which an order could reference the product between a check and the delete.
    """
    try:
        async with session.begin_nested():
            deleted = await session.scalar(
                delete(Product).where(Product.id == product_id).returning(Product.id)
            )
    except IntegrityError as error:
        if violated_constraint(error) != _REFERENCED_BY_ORDERS:
            raise
        # Orders keep their snapshot of it; it just disappears from the catalogue.
        product = await get_product(session, product_id)
        product.status = ProductStatus.ARCHIVED
        await session.flush()
        return
    if deleted is None:
        raise ProductNotFound


async def adjust_stock(session: AsyncSession, *, product_id: int, delta: int) -> Product:
    product = await stock.adjust_stock(session, product_id, delta)
    if product is not None:
        return product
    # Refused or missing: the current stock says which, and goes in the error.
    available = await session.scalar(select(Product.stock_quantity).where(Product.id == product_id))
    if available is None:
        raise ProductNotFound
    if delta < 0:
        raise InsufficientStock(
            [StockShortage(product_id=product_id, requested=-delta, available=available)]
        )
    raise StockLimitExceeded(
        StockLimit(product_id=product_id, available=available, delta=delta, maximum=stock.MAX_STOCK)
    )
