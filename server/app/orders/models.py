import uuid
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    Numeric,
    Sequence,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.database import Base, TimestampMixin, string_enum


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    SHIPPED = "shipped"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


# The longest carrier name or tracking number.
SHIPMENT_FIELD_LENGTH = 64

order_number_sequence = Sequence("order_number_seq", metadata=Base.metadata)

# Rows written by hand (psql) get the UTC date; the service numbers every order it places
# with `new_order_number`, in the shop's time zone.
ORDER_NUMBER_DEFAULT = text(
    "'ORD-' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMMDD') || '-' "
    "|| to_char(nextval('order_number_seq'), 'FM999999000000')"
)


def business_date(moment: ColumnElement[datetime], timezone: str) -> ColumnElement[str]:
    """`20261207`: the day `moment` falls on in `timezone` (an IANA name)."""
    return func.to_char(func.timezone(timezone, moment), "YYYYMMDD")


def new_order_number(
    timezone: str, *, at: ColumnElement[datetime] | None = None
) -> ColumnElement[str]:
    """`ORD-20261123-000042`: the business date of ordering (`at`, the transaction's `now()`
    unless given) and a sequence number of at least six digits, produced by PostgreSQL in the
    INSERT itself, so two orders can never share one."""
    return func.concat(
        "ORD-",
        business_date(func.now() if at is None else at, timezone),
        "-",
        func.to_char(order_number_sequence.next_value(), "FM999999000000"),
    )


class Order(TimestampMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (
        CheckConstraint("total_amount >= 0", name="total_not_negative"),
        # A customer's orders and everyone's, newest first, by offset or cursor.
        Index("ix_orders_user_id_created_at_id", "user_id", "created_at", "id"),
        Index("ix_orders_created_at_id", "created_at", "id"),
        Index("ix_orders_status_created_at", "status", "created_at"),
        # Counting a customer's pending orders against MAX_PENDING_ORDERS_PER_USER.
        Index(
            "ix_orders_pending_user_id",
            "user_id",
            postgresql_where=text(f"status = '{OrderStatus.PENDING.value}'"),
        ),
    )
    # Fetch order_number and the timestamps with RETURNING instead of a second query.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012

    id: Mapped[int] = mapped_column(primary_key=True)
    order_number: Mapped[str] = mapped_column(
        String(32), unique=True, server_default=ORDER_NUMBER_DEFAULT
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    status: Mapped[OrderStatus] = mapped_column(
        string_enum(OrderStatus, name="order_status"),
        default=OrderStatus.PENDING,
        server_default=OrderStatus.PENDING.value,
    )
    total_amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    note: Mapped[str | None] = mapped_column(Text)
    # A snapshot of the address (a `ShippingAddress`), kept whole as JSONB: read and written
    # as one value, never searched by its parts; a profile's later changes don't touch it.
    shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # Given when the order is marked shipped.
    carrier: Mapped[str | None] = mapped_column(String(SHIPMENT_FIELD_LENGTH))
    tracking_number: Mapped[str | None] = mapped_column(String(SHIPMENT_FIELD_LENGTH))

    items: Mapped[list["OrderItem"]] = relationship(
        lazy="raise", order_by="OrderItem.id", passive_deletes=True
    )


# The search by an order number's last digits: `reverse(order_number) LIKE '24%'`, a prefix
# range of this index (text_pattern_ops, whatever the database's collation).
_reversed_number = func.reverse(Order.order_number).label("reverse_order_number")
Index(
    "ix_orders_order_number_reversed",
    _reversed_number,
    postgresql_ops={_reversed_number.name: "text_pattern_ops"},
)


class OrderItem(Base):
    __tablename__ = "order_items"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="RESTRICT"), index=True
    )
    # A snapshot taken when ordering: later edits of the product don't rewrite history.
    product_name: Mapped[str] = mapped_column(String(200))
    sku: Mapped[str] = mapped_column(String(64))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    quantity: Mapped[int]
    line_total: Mapped[Decimal] = mapped_column(Numeric(12, 2))


class OrderStatusHistory(Base):
    __tablename__ = "order_status_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    # None for the creation of the order.
    from_status: Mapped[OrderStatus | None] = mapped_column(
        string_enum(OrderStatus, name="order_history_from_status")
    )
    to_status: Mapped[OrderStatus] = mapped_column(
        string_enum(OrderStatus, name="order_history_to_status")
    )
    # None for the system, e.g. the expiry of a pending order.
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Why, when it wasn't a person's choice: `expired`.
    reason: Mapped[str | None] = mapped_column(String(64))
    # The shipment's, when this change marked the order shipped.
    carrier: Mapped[str | None] = mapped_column(String(SHIPMENT_FIELD_LENGTH))
    tracking_number: Mapped[str | None] = mapped_column(String(SHIPMENT_FIELD_LENGTH))
    changed_at: Mapped[datetime] = mapped_column(server_default=func.now())


class IdempotencyKey(Base):
    """A client's `Idempotency-Key` for order creation, and the order it produced."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        Index("ix_idempotency_keys_created_at", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    # Indexed for the cascade: deleting an order would otherwise scan every key.
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
