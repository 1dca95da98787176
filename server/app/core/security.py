"""Password hashing and access tokens."""

import asyncio
import os
import sys
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from weakref import WeakKeyDictionary

import anyio
from jose import JWTError, jwt
from passlib.context import CryptContext

from app.core.config import Settings

ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - a claim value, not a secret
BCRYPT_MAX_BYTES = 72
# bcrypt is slow by design and keeps a core busy for each hash. Run in the general threadpool
# (40 threads), a storm of sign-ins had every core hashing and starved each worker's event
# loop of CPU: other requests waited seconds. So each process hashes on at most half the
# cores at once (at least one), and further sign-ins queue without holding anything else up.
PASSWORD_HASHING_CONCURRENCY = max(1, (os.cpu_count() or 1) // 2)
# How much nicer the hashing threads are than the rest: with the cores busy, the scheduler
# serves the event loops (and PostgreSQL) first, so a sign-in storm slows sign-ins, not
# everything else.
PASSWORD_HASHING_NICENESS = 10
LOWEST_PRIORITY = 19

T = TypeVar("T")

password_context = CryptContext(schemes=["bcrypt"], deprecated="auto")
_hashing_limiters: WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    WeakKeyDictionary()
)


def _lower_thread_priority() -> None:
    # Linux keeps a nice value per thread, addressed by its thread id; elsewhere the same
    # call would address a process.
    if sys.platform == "linux":
        thread = threading.get_native_id()
        niceness = os.getpriority(os.PRIO_PROCESS, thread) + PASSWORD_HASHING_NICENESS
        os.setpriority(os.PRIO_PROCESS, thread, min(niceness, LOWEST_PRIORITY))


# Threads of their own, so no shared worker thread is left at the lower priority.
_hashing_threads = ThreadPoolExecutor(
    max_workers=PASSWORD_HASHING_CONCURRENCY,
    thread_name_prefix="password-hashing",
    initializer=_lower_thread_priority,
)


def password_hashing_limiter() -> anyio.CapacityLimiter:
    """The running event loop's limit on concurrent bcrypt calls (a limiter is loop-bound)."""
    loop = asyncio.get_running_loop()
    limiter = _hashing_limiters.get(loop)
    if limiter is None:
        limiter = _hashing_limiters[loop] = anyio.CapacityLimiter(PASSWORD_HASHING_CONCURRENCY)
    return limiter


async def _hashing(function: Callable[..., T], *args: str) -> T:
    async with password_hashing_limiter():
        return await asyncio.get_running_loop().run_in_executor(_hashing_threads, function, *args)


async def hash_password(password: str) -> str:
    return await _hashing(password_context.hash, password)


async def burn_password_check() -> None:
    """Spend the time a real check takes, so an unknown username can't be told by timing."""
    await _hashing(password_context.dummy_verify)


async def verify_password(password: str, password_hash: str) -> bool:
    if len(password.encode()) > BCRYPT_MAX_BYTES:
        # bcrypt refuses such input, and no stored password is this long: it can't match.
        await burn_password_check()
        return False
    return await _hashing(password_context.verify, password, password_hash)


class InvalidAccessToken(Exception):
    """The token is malformed, forged, expired or not an access token."""


def create_access_token(*, subject: int, settings: Settings) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(subject),
        "iat": now,
        "exp": now + timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES),
        "jti": uuid.uuid4().hex,
        "type": ACCESS_TOKEN_TYPE,
    }
    return jwt.encode(claims, settings.SECRET_KEY.get_secret_value(), settings.ALGORITHM)


def decode_access_token(token: str, *, settings: Settings) -> int:
    """Return the user id the token was issued to."""
    try:
        claims = jwt.decode(
            token,
            settings.SECRET_KEY.get_secret_value(),
            # An explicit list: `alg: none` and algorithm confusion are refused here.
            algorithms=[settings.ALGORITHM],
            options={"require_exp": True, "require_iat": True, "require_sub": True},
        )
    except JWTError as error:
        raise InvalidAccessToken from error
    if claims.get("type") != ACCESS_TOKEN_TYPE or not str(claims["sub"]).isdigit():
        raise InvalidAccessToken
    return int(claims["sub"])
