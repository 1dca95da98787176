"""Attempts counted per key (a username, a client address, a user), in process or in Redis.

Each attempt is reserved before the work it guards (a bcrypt check, a uniqueness probe):
`limits`' `hit()` is atomic in memory and in Redis, so requests arriving together can't all
pass a check made before any of them is counted. Most limits are moving windows; those that
must hand a reservation back (a sign-in that succeeded) are fixed windows, whose counter can
be decremented.
"""

import math
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

import structlog
from limits import RateLimitItem
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool

from app.core import metrics
from app.core.config import Settings

# While Redis is unreachable, how long attempts count in process before Redis is tried again.
SHARED_RETRY_SECONDS = 5.0
# A Redis that doesn't answer must not hold a request up for long.
REDIS_TIMEOUT_SECONDS = 1.0

logger = structlog.get_logger(__name__)
Result = TypeVar("Result")
# A limit and the key it counts under, e.g. (5 per 15 minutes, "user:alice|ip:10.0.0.1").
Limit = tuple[RateLimitItem, str]


class LimitName(StrEnum):
    """What a limit guards: the namespace its counts are kept under, and the `limit` label
    of `order_system_throttled_total` when it refuses a request."""

    SIGN_IN = "sign_in"
    REGISTRATION = "registration"
    PASSWORD = "password"  # noqa: S105  (the limit on password checks, no password)
    EMAIL_CHANGE = "email_change"
    PASSWORD_RESET = "password_reset"  # noqa: S105  (the limit on reset requests, no password)
    ORDERS = "orders"


def _seconds_until(reset_time: float) -> int:
    return max(1, math.ceil(reset_time - time.time()))


def _counted_refusal(namespace: LimitName, retry_after: int | None) -> int | None:
    """`retry_after`, a refusal counted under its limit's name when there is one."""
    if retry_after is not None:
        metrics.THROTTLED.labels(limit=namespace).inc()
    return retry_after


@dataclass(frozen=True)
class _Limiters:
    """One storage's limiters: moving windows, and fixed windows, which can refund."""

    storage: Storage

    @property
    def moving(self) -> MovingWindowRateLimiter:
        return MovingWindowRateLimiter(self.storage)

    @property
    def fixed(self) -> FixedWindowRateLimiter:
        return FixedWindowRateLimiter(self.storage)

    async def refund(self, namespace: str, limit: Limit) -> None:
        item, key = limit
        # The fixed window's counter, one down: `limits` has no refund, its storage can.
        await self.storage.incr(item.key_for(namespace, key), item.get_expiry(), amount=-1)


class Throttle:
    """Counts in `storage`; should that fail (Redis down), counts in process instead, with a
    warning, and goes back to `storage` once it answers again. Requests never fail for it."""

    def __init__(self, storage: Storage, *, redis_pool: ConnectionPool | None = None) -> None:
        self._shared = _Limiters(storage)
        self._local = _Limiters(MemoryStorage())
        self._redis_pool = redis_pool
        self._shared_retry_at: float | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "Throttle":
        if settings.REDIS_URL is None:
            return cls(MemoryStorage())
        # Shared by every replica, so the limits hold however many run. The pool is ours,
        # so that shutdown can close its connections.
        url = settings.REDIS_URL.get_secret_value()
        pool = ConnectionPool.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
        )
        storage = RedisStorage(
            f"async+{url}",
            implementation="redispy",
            # Failures arrive as limits' StorageError, whichever client raised them.
            wrap_exceptions=True,
            # Documented by limits, though its `**options` annotation only admits scalars.
            connection_pool=pool,  # type: ignore[arg-type]
        )
        return cls(storage, redis_pool=pool)

    async def close(self) -> None:
        if self._redis_pool is not None:
            await self._redis_pool.aclose()

    async def _counting(self, operation: Callable[[_Limiters], Awaitable[Result]]) -> Result:
        """Run `operation` on the shared limiter, or on the local one while that is down."""
        if self._shared_retry_at is not None and time.monotonic() < self._shared_retry_at:
            return await operation(self._local)
        try:
            result = await operation(self._shared)
        except StorageError as error:
            if self._shared_retry_at is None:
                logger.warning(
                    "throttle_shared_storage_down",
                    error=type(error.storage_error).__name__,
                    fallback="per-process counting",
                )
            self._shared_retry_at = time.monotonic() + SHARED_RETRY_SECONDS
            return await operation(self._local)
        if self._shared_retry_at is not None:
            logger.info("throttle_shared_storage_back")
            self._shared_retry_at = None
        return result

    async def reserve(self, namespace: LimitName, limits: Sequence[Limit]) -> int | None:
        """Count one attempt against each limit in turn; None if every one admitted it, else
        the seconds until the first that refused has room again.

        Counting stops at the first refusal, so list the narrowest key first: an attempt that
        its own client's budget refuses never uses up a budget that others share.
        """

        async def hit(limiters: _Limiters) -> int | None:
            for item, key in limits:
                if not await limiters.moving.hit(item, namespace, key):
                    stats = await limiters.moving.get_window_stats(item, namespace, key)
                    return _seconds_until(stats.reset_time)
            return None

        return _counted_refusal(namespace, await self._counting(hit))

    async def forget(self, namespace: LimitName, limits: Sequence[Limit]) -> None:
        """Drop what these (moving window) limits counted, e.g. once a sign-in succeeded."""

        async def clear(limiters: _Limiters) -> None:
            for item, key in limits:
                await limiters.moving.clear(item, namespace, key)

        await self._counting(clear)

    async def reserve_refundable(self, namespace: LimitName, limit: Limit) -> int | None:
        """Like `reserve`, for one fixed-window limit whose reservation `refund` can hand
        back. A refused attempt takes nothing: only admitted ones count."""
        item, key = limit

        async def hit(limiters: _Limiters) -> int | None:
            if await limiters.fixed.hit(item, namespace, key):
                return None
            await limiters.refund(namespace, limit)
            stats = await limiters.fixed.get_window_stats(item, namespace, key)
            return _seconds_until(stats.reset_time)

        return _counted_refusal(namespace, await self._counting(hit))

    async def refund(self, namespace: LimitName, limit: Limit) -> None:
        """Hand back one reservation of `reserve_refundable`."""
        await self._counting(lambda limiters: limiters.refund(namespace, limit))
