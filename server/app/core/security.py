"""Password hashing and access tokens."""

import asyncio
import os
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from weakref import WeakKeyDictionary

import anyio
import anyio.to_thread
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

T = TypeVar("T")

password_context = CryptContext(schemes=["bcrypt"], deprecated="auto")
_hashing_limiters: WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    WeakKeyDictionary()
)


def password_hashing_limiter() -> anyio.CapacityLimiter:
    """The running event loop's limit on concurrent bcrypt calls (a limiter is loop-bound)."""
    loop = asyncio.get_running_loop()
    limiter = _hashing_limiters.get(loop)
    if limiter is None:
        limiter = _hashing_limiters[loop] = anyio.CapacityLimiter(PASSWORD_HASHING_CONCURRENCY)
    return limiter


async def _hashing(function: Callable[..., T], *args: str) -> T:
    return await anyio.to_thread.run_sync(function, *args, limiter=password_hashing_limiter())


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
