"""Failed sign-ins counted per username and per client IP, in process or in Redis."""

import math
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool

from app.auth.exceptions import TooManyLoginAttempts
from app.core.config import Settings

FAILURES_PER_USERNAME = parse("5 per 15 minutes")
FAILURES_PER_IP = parse("20 per 15 minutes")
# While Redis is unreachable, how long sign-ins count in process before Redis is tried again.
SHARED_RETRY_SECONDS = 5.0
# A Redis that doesn't answer must not hold a sign-in up for long.
REDIS_TIMEOUT_SECONDS = 1.0

logger = structlog.get_logger(__name__)
Result = TypeVar("Result")


def _username_key(username: str) -> str:
    return f"user:{username.lower()}"


class LoginThrottle:
    """Counts in `storage`; should that fail (Redis down), counts in process instead, with a
    warning, and goes back to `storage` once it answers again. Sign-ins never fail for it."""

    def __init__(self, storage: Storage, *, redis_pool: ConnectionPool | None = None) -> None:
        self._shared = MovingWindowRateLimiter(storage)
        self._local = MovingWindowRateLimiter(MemoryStorage())
        self._redis_pool = redis_pool
        self._shared_retry_at: float | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> "LoginThrottle":
        if settings.REDIS_URL is None:
            return cls(MemoryStorage())
        # Shared by every replica, so the limit holds however many run. The pool is ours,
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
                    "login_throttle_shared_storage_down",
                    error=type(error.storage_error).__name__,
                    fallback="per-process counting",
                )
            self._shared_retry_at = time.monotonic() + SHARED_RETRY_SECONDS
            return await operation(self._local)
        if self._shared_retry_at is not None:
            logger.info("login_throttle_shared_storage_back")
            self._shared_retry_at = None
        return result

    def _limits(self, *, username: str, ip: str) -> list[tuple[RateLimitItem, str]]:
        return [(FAILURES_PER_USERNAME, _username_key(username)), (FAILURES_PER_IP, f"ip:{ip}")]

    async def ensure_allowed(self, *, username: str, ip: str) -> None:
        limits = self._limits(username=username, ip=ip)

        async def seconds_to_wait(limiter: MovingWindowRateLimiter) -> list[int]:
            waits = []
            for item, key in limits:
                if not await limiter.test(item, "login", key):
                    stats = await limiter.get_window_stats(item, "login", key)
                    waits.append(math.ceil(stats.reset_time - time.time()))
            return waits

        waits = await self._counting(seconds_to_wait)
        if waits:
            raise TooManyLoginAttempts(retry_after=max(1, *waits))

    async def record_failure(self, *, username: str, ip: str) -> None:
        limits = self._limits(username=username, ip=ip)

        async def hit(limiter: MovingWindowRateLimiter) -> None:
            for item, key in limits:
                await limiter.hit(item, "login", key)

        await self._counting(hit)

    async def forget_username(self, username: str) -> None:
        """A successful sign-in clears the username's failures; the IP's stay counted."""
        key = _username_key(username)
        await self._counting(lambda limiter: limiter.clear(FAILURES_PER_USERNAME, "login", key))
