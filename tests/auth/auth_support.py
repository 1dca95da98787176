"""Helpers for the auth tests only: the refresh cookie, hand-made tokens, and the rows the
app stores. The generic calls and checks (`login`, `assert_error`, ...) are in `helpers`.

Not a conftest: a second `conftest.py` would clash with `tests/conftest.py` under mypy.
"""

import base64
import hashlib
import json
import time
from typing import Any

import httpx
from helpers import login
from jose import jwt
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.refresh_tokens.models import RefreshToken
from app.users.models import User

REFRESH_COOKIE = "refresh_token"


# --- Calls -------------------------------------------------------------------------------


async def fail_logins(client: httpx.AsyncClient, username: str, times: int) -> None:
    """`times` wrong-password attempts, each of which must still be let through (401)."""
    for attempt in range(times):
        response = await login(client, username, "wrong-password")
        assert response.status_code == 401, f"attempt {attempt + 1}: {response.text}"


def assert_throttled_together(responses: list[httpx.Response], *, checked: int) -> None:
    """Sign-ins fired together: exactly `checked` got their password checked (401), every
    other one a 429 with a usable Retry-After."""
    statuses = [response.status_code for response in responses]
    assert statuses.count(401) == checked, statuses
    assert statuses.count(429) == len(responses) - checked, statuses
    for response in responses:
        if response.status_code == 429:
            assert response.json()["code"] == "too_many_login_attempts"
            assert int(response.headers["Retry-After"]) >= 1


# --- Cookies -------------------------------------------------------------------------------


def cookie_header(refresh_token: str) -> dict[str, str]:
    """The refresh cookie as a browser sends it back, independent of httpx's cookie jar."""
    return {"Cookie": f"{REFRESH_COOKIE}={refresh_token}"}


def set_cookie(response: httpx.Response, name: str = REFRESH_COOKIE) -> tuple[str, dict[str, str]]:
    """The value and the attributes (lower-cased names) of the one Set-Cookie for `name`."""
    found = []
    for header in response.headers.get_list("set-cookie"):
        pair, *attributes = (part.strip() for part in header.split(";"))
        cookie_name, _, value = pair.partition("=")
        if cookie_name == name:
            parsed = {}
            for attribute in attributes:
                key, _, attribute_value = attribute.partition("=")
                parsed[key.strip().lower()] = attribute_value.strip()
            found.append((value, parsed))
    assert len(found) == 1, response.headers.get_list("set-cookie")
    return found[0]


# --- Tokens --------------------------------------------------------------------------------


def assert_token_pair(body: dict[str, Any], settings: Settings) -> None:
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60
    assert isinstance(body["access_token"], str)
    assert isinstance(body["refresh_token"], str)
    assert body["access_token"]
    assert body["refresh_token"]


def access_claims(user_id: int, *, lifetime_seconds: int = 300) -> dict[str, Any]:
    """The claims the app puts in an access token, valid from now for `lifetime_seconds`."""
    now = int(time.time())
    return {
        "sub": str(user_id),
        "iat": now,
        "exp": now + lifetime_seconds,
        "jti": "0123456789abcdef",
        "type": "access",
    }


def sign(claims: dict[str, Any], settings: Settings, *, algorithm: str | None = None) -> str:
    return jwt.encode(
        claims, settings.SECRET_KEY.get_secret_value(), algorithm=algorithm or settings.ALGORITHM
    )


def base64url_json(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def unverified_claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.get_unverified_claims(token)
    return claims


# --- Database ------------------------------------------------------------------------------


def token_digest(refresh_token: str) -> str:
    return hashlib.sha256(refresh_token.encode()).hexdigest()


async def stored_refresh_token(session: AsyncSession, refresh_token: str) -> RefreshToken:
    """The row the app keeps for this refresh token (it stores only the SHA-256)."""
    stored = await session.scalar(
        select(RefreshToken)
        .where(RefreshToken.token_hash == token_digest(refresh_token))
        .execution_options(populate_existing=True)
    )
    assert stored is not None, "no refresh_tokens row for this token"
    return stored


async def deactivate(session: AsyncSession, user: User) -> None:
    await session.execute(update(User).where(User.id == user.id).values(is_active=False))
    await session.commit()


async def find_user(session: AsyncSession, username: str) -> User | None:
    return await session.scalar(
        select(User)
        .where(func.lower(User.username) == username.lower())
        .execution_options(populate_existing=True)
    )
