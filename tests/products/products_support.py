"""Helpers shared by the product tests."""

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.products.models import Product

PRODUCTS_URL = "/api/products"
PRODUCT_FIELDS = {
    "id",
    "name",
    "sku",
    "description",
    "price",
    "stock_quantity",
    "status",
    "created_at",
    "updated_at",
}


def product_url(product_id: int, suffix: str = "") -> str:
    return f"{PRODUCTS_URL}/{product_id}{suffix}"


def new_product(sku: str = "NEW-1", **fields: Any) -> dict[str, Any]:
    """A valid body to create a product with `sku`, with `fields` added or replaced."""
    return {"name": "New product", "sku": sku, "price": "19.90", "stock_quantity": 5} | fields


async def stored_products(session: AsyncSession) -> list[Row[Any]]:
    """Every product row as the database holds it now, whatever the API would show."""
    table = Product.__table__
    rows = await session.execute(select(table).order_by(table.c.id))
    return list(rows.all())


async def stored_product(session: AsyncSession, product_id: int) -> Row[Any] | None:
    table = Product.__table__
    rows = await session.execute(select(table).where(table.c.id == product_id))
    return rows.one_or_none()
