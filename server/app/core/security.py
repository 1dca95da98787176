"""Password hashing and access tokens."""

import asyncio
import math
import os
import sys
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from weakref import WeakKeyDictionary

import anyio
from jose import JWTError, jwt
from passlib.context import CryptContext

from app.core.config import Settings
from app.core.password_rules import BCRYPT_MAX_BYTES

ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - a claim value, not a secret
CGROUP_ROOT = Path("/sys/fs/cgroup")


def _cgroup_cpu_quota(root: Path) -> float | None:
    """The CPUs the container may use, from cgroup v2's `cpu.max` ("200000 100000" is 2;
    "max 100000" is no limit) or v1's `cpu.cfs_quota_us` / `cpu.cfs_period_us` (-1: none)."""
    v2 = root / "cpu.max"
    v1 = [root / "cpu" / name for name in ("cpu.cfs_quota_us", "cpu.cfs_period_us")]
    try:
        if v2.is_file():
            quota, period = v2.read_text().split()[:2]
        elif all(path.is_file() for path in v1):
            quota, period = (path.read_text().strip() for path in v1)
        else:
            return None
        if quota in {"max", "-1"}:
            return None
        return int(quota) / int(period)
    except (OSError, ValueError, ZeroDivisionError):
        return None


def available_cpus(cgroup_root: Path = CGROUP_ROOT) -> float:
    """The CPUs this process may use: the container's quota when it has one (a pod limited
    to 1 CPU on a 32-core node has 1, not 32), else the machine's cores."""
    cores = os.cpu_count() or 1
    quota = _cgroup_cpu_quota(cgroup_root)
    return cores if quota is None else min(cores, quota)


def password_hashing_concurrency(cgroup_root: Path = CGROUP_ROOT) -> int:
    # bcrypt is slow by design and keeps a core busy for each hash. Run in the general
    # threadpool (40 threads), a storm of sign-ins had every core hashing and starved each
    # worker's event loop of CPU: other requests waited seconds. So each process hashes on at
    # most half the CPUs at once (at least one), and further sign-ins queue without holding
    # anything else up.
    return max(1, math.floor(available_cpus(cgroup_root) / 2))


PASSWORD_HASHING_CONCURRENCY = password_hashing_concurrency()
# How much nicer than the rest of the process its hashing threads run. With every core busy the
# scheduler then serves the event loops first, so a sign-in storm slows sign-ins more than the
# other requests; idle cores still go to hashing. Mild on purpose: at +10 (weight ~1/9) a
# saturating /health load left sign-ins a sixth of their rate (docs/performance.md, 11).
PASSWORD_HASHING_NICENESS = 5
LOWEST_PRIORITY = 19

T = TypeVar("T")

password_context = CryptContext(schemes=["bcrypt"], deprecated="auto")
_hashing_limiters: WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    WeakKeyDictionary()
)


def _lower_thread_priority() -> None:
    # Linux keeps a nice value per thread, addressed by its thread id; elsewhere the same call
    # would address the whole process.
    if sys.platform == "linux":
        thread = threading.get_native_id()
        niceness = os.getpriority(os.PRIO_PROCESS, thread) + PASSWORD_HASHING_NICENESS
        os.setpriority(os.PRIO_PROCESS, thread, min(niceness, LOWEST_PRIORITY))


# Threads of their own: a niced thread stays niced, so hashing must not borrow anyio's shared
# worker threads, which serve everything else run off the loop.
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
    # Sign-ins queue for a token on the loop; each token holder has a hashing thread to run on.
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


def create_access_token(*, subject: int, settings: Settings, token_version: int = 0) -> str:
    """A token for user `subject` at their current `token_version`: a password change moves
    the version on, which ends every access token issued before it."""
    now = datetime.now(UTC)
    claims = {
        "sub": str(subject),
        "ver": token_version,
        "iat": now,
        "exp": now + timedelta(minutes=settings.ACCESS_TOKEN_EXPIRE_MINUTES),
        "jti": uuid.uuid4().hex,
        "type": ACCESS_TOKEN_TYPE,
    }
    return jwt.encode(claims, settings.SECRET_KEY.get_secret_value(), settings.ALGORITHM)


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    token_version: int


def decode_access_token(token: str, *, settings: Settings) -> AccessClaims:
    """The user the token was issued to, and at which of their token versions."""
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
    version = claims.get("ver", 0)
    if claims.get("type") != ACCESS_TOKEN_TYPE or not str(claims["sub"]).isdigit():
        raise InvalidAccessToken
    if not isinstance(version, int) or isinstance(version, bool):
        raise InvalidAccessToken
    return AccessClaims(user_id=int(claims["sub"]), token_version=version)
