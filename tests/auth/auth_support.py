"""Helpers shared by the auth tests: calls to the auth endpoints, token and cookie tools, and
apps built with settings other than the `app` fixture's.

Not a conftest: a second `conftest.py` would clash with `tests/conftest.py` under mypy.
"""

import base64
import hashlib
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from conftest import DEFAULT_PASSWORD
from fastapi import FastAPI
from jose import jwt
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from app.auth.models import RefreshToken
from app.core.config import Settings
from app.core.dependencies import get_sessionmaker
from app.main import create_app
from app.users.models import User

LOGIN_URL = "/api/auth/login"
TOKEN_URL = "/api/auth/token"
REFRESH_URL = "/api/auth/refresh"
LOGOUT_URL = "/api/auth/logout"
REGISTER_URL = "/api/auth/register"
ME_URL = "/api/users/me"

REFRESH_COOKIE = "refresh_token"
TEST_CLIENT_IP = "127.0.0.1"


# --- Calls -------------------------------------------------------------------------------


async def login(
    client: httpx.AsyncClient, username: str, password: str = DEFAULT_PASSWORD
) -> httpx.Response:
    return await client.post(LOGIN_URL, json={"username": username, "password": password})


async def sign_in(
    client: httpx.AsyncClient, username: str, password: str = DEFAULT_PASSWORD
) -> dict[str, Any]:
    """A login that must succeed; returns the token pair."""
    response = await login(client, username, password)
    assert response.status_code == 200, response.text
    pair: dict[str, Any] = response.json()
    return pair


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post(REFRESH_URL, json={"refresh_token": refresh_token})


async def read_me(client: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await client.get(ME_URL, headers=bearer(access_token))


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def cookie_header(refresh_token: str) -> dict[str, str]:
    """The refresh cookie as a browser sends it back, independent of httpx's cookie jar."""
    return {"Cookie": f"{REFRESH_COOKIE}={refresh_token}"}


# --- Assertions ----------------------------------------------------------------------------


def assert_error(response: httpx.Response, status_code: int, code: str) -> dict[str, Any]:
    """The response is the app's error body with this status and code; returns the body."""
    assert response.status_code == status_code, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def assert_unauthorized(response: httpx.Response, code: str) -> dict[str, Any]:
    body = assert_error(response, 401, code)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    return body


def assert_token_pair(body: dict[str, Any], settings: Settings) -> None:
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.ACCESS_TOKEN_EXPIRE_MINUTES * 60
    assert isinstance(body["access_token"], str)
    assert isinstance(body["refresh_token"], str)
    assert body["access_token"]
    assert body["refresh_token"]


# --- Cookies -------------------------------------------------------------------------------


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


# --- Apps with other settings --------------------------------------------------------------


@asynccontextmanager
async def running_app(settings: Settings, connection: AsyncConnection) -> AsyncIterator[FastAPI]:
    """An app built from `settings` whose sessions join the test's transaction, as the `app`
    fixture's do; several may run at once, like replicas behind a load balancer."""
    app = create_app(settings)
    async with LifespanManager(app):
        app.dependency_overrides[get_sessionmaker] = lambda: async_sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        yield app


@asynccontextmanager
async def client_for(
    app: FastAPI, *, client_ip: str = TEST_CLIENT_IP, raise_app_exceptions: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(
        app=app, client=(client_ip, 50000), raise_app_exceptions=raise_app_exceptions
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@asynccontextmanager
async def serve(
    settings: Settings, connection: AsyncConnection, *, client_ip: str = TEST_CLIENT_IP
) -> AsyncIterator[httpx.AsyncClient]:
    """A client for a fresh app built from `settings`."""
    async with running_app(settings, connection) as app, client_for(app, client_ip=client_ip) as c:
        yield c
