"""Deleting old finished orders for `order-system cleanup-orders`, and ended refresh tokens for
`order-system cleanup-tokens`.

Only orders that nothing can happen to any more qualify: cancelled or completed ones. Their
lines, status history and idempotency keys go with them (ON DELETE CASCADE). Deletion runs in
batches, each its own transaction, so a large clean-up never holds long locks or one huge
transaction, and an interruption keeps what was already done.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, Row, delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from app.core.database import create_sessionmaker
from app.orders.models import Order, OrderStatus
from app.refresh_tokens import service as refresh_tokens


class FinishedStatus(StrEnum):
    CANCELLED = OrderStatus.CANCELLED.value
    COMPLETED = OrderStatus.COMPLETED.value


def _matching(status: FinishedStatus, created_before: datetime) -> ColumnElement[bool]:
    return (Order.status == OrderStatus(status)) & (Order.created_at < created_before)


async def find_orders(
    engine: AsyncEngine, *, status: FinishedStatus, created_before: datetime, sample_size: int
) -> tuple[int, Sequence[Row[str, OrderStatus, datetime]]]:
    """How many orders match, and the oldest few of them."""
    async with engine.connect() as connection:
        matching = _matching(status, created_before)
        count = await connection.scalar(select(func.count()).select_from(Order).where(matching))
        sample = await connection.execute(
            select(Order.order_number, Order.status, Order.created_at)
            .where(matching)
            .order_by(Order.created_at, Order.id)
            .limit(sample_size)
        )
        return count or 0, sample.all()


async def delete_orders(
    engine: AsyncEngine,
    *,
    status: FinishedStatus,
    created_before: datetime,
    batch_size: int,
    on_batch: Callable[[int], None] = lambda deleted: None,
) -> int:
    """Delete the matching orders, `batch_size` at a time, committing each batch."""
    matching = _matching(status, created_before)
    batch = select(Order.id).where(matching).order_by(Order.id).limit(batch_size)
    deleted = 0
    while True:
        async with engine.begin() as connection:
            # `matching` again on the outer DELETE: PostgreSQL re-checks it on rows that
            # changed while it waited for their lock.
            result = await connection.execute(
                delete(Order).where(Order.id.in_(batch.scalar_subquery()), matching)
            )
        if result.rowcount == 0:
            return deleted
        deleted += result.rowcount
        on_batch(result.rowcount)


async def delete_ended_tokens(engine: AsyncEngine, *, batch_size: int) -> int:
    """Delete every expired or revoked refresh token, `batch_size` at a time, committing
    each batch; returns how many."""
    sessionmaker = create_sessionmaker(engine)
    deleted = 0
    while True:
        async with sessionmaker() as session, session.begin():
            batch = await refresh_tokens.delete_ended(session, limit=batch_size)
        deleted += batch
        if batch < batch_size:
            return deleted
