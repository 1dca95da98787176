"""Password hashing and access tokens."""

import uuid
from datetime import UTC, datetime, timedelta

from jose import JWTError, jwt
from passlib.context import CryptContext
from starlette.concurrency import run_in_threadpool

from app.core.config import Settings

ACCESS_TOKEN_TYPE = "access"  # noqa: S105 - a claim value, not a secret
BCRYPT_MAX_BYTES = 72

# bcrypt is slow by design; every call goes to the threadpool so the event loop keeps serving.
password_context = CryptContext(schemes=["bcrypt"], deprecated="auto")


async def hash_password(password: str) -> str:
    return await run_in_threadpool(password_context.hash, password)


async def burn_password_check() -> None:
    """Spend the time a real check takes, so an unknown username can't be told by timing."""
    await run_in_threadpool(password_context.dummy_verify)


async def verify_password(password: str, password_hash: str) -> bool:
    if len(password.encode()) > BCRYPT_MAX_BYTES:
        # bcrypt refuses such input, and no stored password is this long: it can't match.
        await burn_password_check()
        return False
    return await run_in_threadpool(password_context.verify, password, password_hash)


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
