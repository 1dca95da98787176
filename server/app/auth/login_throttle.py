"""Failed sign-ins counted per username and per client IP, in process or in Redis."""

import math
import time

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from redis.asyncio import ConnectionPool

from app.auth.exceptions import TooManyLoginAttempts
from app.core.config import Settings

FAILURES_PER_USERNAME = parse("5 per 15 minutes")
FAILURES_PER_IP = parse("20 per 15 minutes")


def _username_key(username: str) -> str:
    return f"user:{username.lower()}"


class LoginThrottle:
    def __init__(self, storage: Storage, *, redis_pool: ConnectionPool | None = None) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self._redis_pool = redis_pool

    @classmethod
    def from_settings(cls, settings: Settings) -> "LoginThrottle":
        if settings.REDIS_URL is None:
            return cls(MemoryStorage())
        # Shared by every replica, so the limit holds however many run. The pool is ours,
        # so that shutdown can close its connections.
        url = settings.REDIS_URL.get_secret_value()
        pool = ConnectionPool.from_url(url)
        storage = RedisStorage(
            f"async+{url}",
            implementation="redispy",
            # Documented by limits, though its `**options` annotation only admits scalars.
            connection_pool=pool,  # type: ignore[arg-type]
        )
        return cls(storage, redis_pool=pool)

    async def close(self) -> None:
        if self._redis_pool is not None:
            await self._redis_pool.aclose()

    def _limits(self, *, username: str, ip: str) -> list[tuple[RateLimitItem, str]]:
        return [(FAILURES_PER_USERNAME, _username_key(username)), (FAILURES_PER_IP, f"ip:{ip}")]

    async def ensure_allowed(self, *, username: str, ip: str) -> None:
        waits = []
        for item, key in self._limits(username=username, ip=ip):
            if not await self._limiter.test(item, "login", key):
                stats = await self._limiter.get_window_stats(item, "login", key)
                waits.append(math.ceil(stats.reset_time - time.time()))
        if waits:
            raise TooManyLoginAttempts(retry_after=max(1, *waits))

    async def record_failure(self, *, username: str, ip: str) -> None:
        for item, key in self._limits(username=username, ip=ip):
            await self._limiter.hit(item, "login", key)

    async def forget_username(self, username: str) -> None:
        """A successful sign-in clears the username's failures; the IP's stay counted."""
        await self._limiter.clear(FAILURES_PER_USERNAME, "login", _username_key(username))
