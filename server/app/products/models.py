from decimal import Decimal
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, Index, Numeric, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import Base, TimestampMixin, string_enum, trigram_index


class ProductStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"
    # Kept only because orders reference it; hidden from every list unless asked for.
    ARCHIVED = "archived"


class Product(TimestampMixin, Base):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("price > 0", name="price_positive"),
        # The last line of defence against overselling, behind the row locks.
        CheckConstraint("stock_quantity >= 0", name="stock_not_negative"),
        Index("ix_products_status_created_at", "status", "created_at"),
        # The default sort and its cursor: a page is a range of this index.
        Index("ix_products_name_id", "name", "id"),
        Index("ix_products_price", "price"),
        Index("ix_products_stock_quantity", "stock_quantity"),
        # Unique whatever the case: `abc-1` can't sit beside `ABC-1`, even when both race.
        Index("uq_products_sku_lower", text("lower(sku)"), unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sku: Mapped[str] = mapped_column(String(64))
    description: Mapped[str | None] = mapped_column(Text)
    price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    stock_quantity: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[ProductStatus] = mapped_column(
        string_enum(ProductStatus, name="product_status"),
        default=ProductStatus.ACTIVE,
        server_default=ProductStatus.ACTIVE.value,
    )


class ProductStatusCount(Base):
    """How many products have each status, kept exact by triggers on `products` (see the
    migration 8d4f2b6a1e37): the totals of unfiltered lists without counting every row."""

    __tablename__ = "product_status_counts"

    status: Mapped[str] = mapped_column(String(20), primary_key=True)
    products: Mapped[int] = mapped_column(BigInteger)


trigram_index("ix_products_name_trgm", Product.name)
trigram_index("ix_products_sku_trgm", Product.sku)
