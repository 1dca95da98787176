"""The periodic sweep: pending orders past PENDING_ORDER_TTL_SECONDS expire, idempotency keys
past their lifetime go, and so do refresh tokens that ended (expired or revoked).

Every API worker runs the loop; a PostgreSQL advisory lock lets one sweep at a time across
every worker and replica, and the others skip their turn. Each batch is its own short
transaction, taking the lock again, so a sweep never holds locks for long.
"""

import asyncio
from dataclasses import astuple, dataclass
from datetime import timedelta

import structlog
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core import metrics
from app.core.config import Settings
from app.orders import service
from app.refresh_tokens import service as refresh_tokens

# The advisory lock the sweeper holds while it works (a key of its own; see PENDING_CAP_LOCK).
SWEEPER_LOCK = 16_002
BATCH_SIZE = 500

logger = structlog.get_logger(__name__)


@dataclass(frozen=True)
class SweepResult:
    expired_orders: int
    purged_keys: int
    purged_tokens: int = 0


async def _batch(
    sessionmaker: async_sessionmaker[AsyncSession], ttl: timedelta | None, settings: Settings
) -> SweepResult | None:
    """One batch of each chore in one transaction; None if another sweeper holds the lock."""
    async with sessionmaker() as session, session.begin():
        if not await session.scalar(select(func.pg_try_advisory_xact_lock(SWEEPER_LOCK, 0))):
            return None
        expired = 0
        if ttl is not None:
            expired = await service.expire_pending_orders(
                session, ttl=ttl, limit=BATCH_SIZE, settings=settings
            )
        purged = await service.purge_idempotency_keys(session, limit=BATCH_SIZE)
        tokens = await refresh_tokens.delete_ended(session, limit=BATCH_SIZE)
        return SweepResult(expired, purged, tokens)


async def sweep(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> SweepResult | None:
    """Expire (after PENDING_ORDER_TTL_SECONDS, if set) and purge until nothing is left; None
    if another sweeper was at work."""
    ttl_seconds = settings.PENDING_ORDER_TTL_SECONDS
    ttl = timedelta(seconds=ttl_seconds) if ttl_seconds else None
    total: SweepResult | None = None
    while True:
        batch = await _batch(sessionmaker, ttl, settings)
        if batch is None:
            # Another sweeper holds the lock, or took it between two batches: it goes on.
            return total
        total = SweepResult(
            (total.expired_orders if total else 0) + batch.expired_orders,
            (total.purged_keys if total else 0) + batch.purged_keys,
            (total.purged_tokens if total else 0) + batch.purged_tokens,
        )
        if max(batch.expired_orders, batch.purged_keys, batch.purged_tokens) < BATCH_SIZE:
            return total


async def _record_sweep(
    sessionmaker: async_sessionmaker[AsyncSession], *, ttl_seconds: int
) -> None:
    """After a sweep: the overdue orders it left (others held them locked), and its time."""
    backlog = 0
    if ttl_seconds:
        async with sessionmaker() as session:
            backlog = await service.count_overdue_orders(
                session, ttl=timedelta(seconds=ttl_seconds)
            )
    metrics.SWEEPER_BACKLOG.set(backlog)
    metrics.SWEEPER_LAST_RUN.set_to_current_time()


async def run_sweeper(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """Sweep every ORDER_SWEEP_INTERVAL_SECONDS until cancelled; a failed sweep (database
    down, a lock timeout) is logged and tried again next time."""
    while True:
        await asyncio.sleep(settings.ORDER_SWEEP_INTERVAL_SECONDS)
        try:
            result = await sweep(sessionmaker, settings)
            if result is not None:
                await _record_sweep(sessionmaker, ttl_seconds=settings.PENDING_ORDER_TTL_SECONDS)
        except (SQLAlchemyError, OSError) as error:
            # The database is down or busy: the requests say so too; try again next time.
            logger.warning("order_sweep_failed", error=type(error).__name__)
            continue
        except Exception:
            # Anything else is a bug, but the loop must outlive it: expiry is a safety net.
            logger.exception("order_sweep_crashed")
            continue
        if result is not None and any(astuple(result)):
            logger.info(
                "order_sweep",
                expired_orders=result.expired_orders,
                purged_idempotency_keys=result.purged_keys,
                purged_refresh_tokens=result.purged_tokens,
            )
