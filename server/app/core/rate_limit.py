"""Per-caller request limits with the `limits` library: in process, or in Redis when
`REDIS_URL` is set, so that every worker and replica counts against the same budget."""

import math
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import structlog
from fastapi import Depends, Request
from limits import RateLimitItem
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool

from app.core.config import Settings

# While Redis is unreachable, how long hits count in process before Redis is tried again.
SHARED_RETRY_SECONDS = 5.0
# A Redis that doesn't answer must not hold a request up for long.
REDIS_TIMEOUT_SECONDS = 1.0

logger = structlog.get_logger(__name__)
Result = TypeVar("Result")


class RateLimiter:
    """Counts in `storage`; should that fail (Redis down), counts in process instead, with a
    warning, and goes back to `storage` once it answers again. Requests never fail for it.

    One serves every limit of an app: each `hit` names its limit and caller.
    """

    def __init__(self, storage: Storage, *, redis_pool: ConnectionPool | None = None) -> None:
        self._shared = MovingWindowRateLimiter(storage)
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._redis_pool = redis_pool
        self._shared_retry_at: float | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "RateLimiter":
        if settings.REDIS_URL is None:
            return cls(MemoryStorage())
        # The pool is ours, so that shutdown can close its connections.
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

    async def _counting(
        self, operation: Callable[[MovingWindowRateLimiter], Awaitable[Result]]
    ) -> Result:
        """Run `operation` on the shared limiter, or on the local one while that is down."""
        if self._shared_retry_at is not None and time.monotonic() < self._shared_retry_at:
            return await operation(self._local)
        try:
            result = await operation(self._shared)
        except StorageError as error:
            if self._shared_retry_at is None:
                logger.warning(
                    "rate_limit_shared_storage_down",
                    error=type(error.storage_error).__name__,
                    fallback="per-process counting",
                )
            self._shared_retry_at = time.monotonic() + SHARED_RETRY_SECONDS
            return await operation(self._local)
        if self._shared_retry_at is not None:
            logger.info("rate_limit_shared_storage_back")
            self._shared_retry_at = None
        return result

    async def hit(self, item: RateLimitItem, *identifiers: str) -> int | None:
        """Count one request, atomically: None while within `item`, else the seconds to wait.

        A refused request is not counted, so a client that waits as told gets through.
        """

        async def count(limiter: MovingWindowRateLimiter) -> int | None:
            if await limiter.hit(item, *identifiers):
                return None
            stats = await limiter.get_window_stats(item, *identifiers)
            return max(1, math.ceil(stats.reset_time - time.time()))

        return await self._counting(count)


async def get_rate_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.rate_limiter
    return limiter


RateLimiterDep = Annotated[RateLimiter, Depends(get_rate_limiter)]
