"""Signing in: POST /api/auth/login (JSON) and POST /api/auth/token (OAuth2 form)."""

from typing import Any

import httpx
import pytest
from auth_support import assert_token_pair, unverified_claims
from conftest import Serve, UserFactory
from fastapi import FastAPI
from helpers import (
    DEFAULT_PASSWORD,
    TOKEN_URL,
    assert_unauthorized,
    client_for,
    fullwidth,
    login,
    read_me,
    sign_in,
)

from app.core.config import Settings
from app.core.schemas import canonical_username
from app.core.security import password_context
from app.users.models import User

INVALID_CREDENTIALS = {"detail": "Incorrect username or password", "code": "invalid_credentials"}


async def test_login_returns_a_bearer_pair_whose_access_token_reads_me(
    client: httpx.AsyncClient, user: User, settings: Settings
) -> None:
    pair = await sign_in(client, user.username)

    assert_token_pair(pair, settings)
    me = await read_me(client, pair["access_token"])
    assert me.status_code == 200, me.text
    assert me.json()["id"] == user.id
    assert me.json()["username"] == user.username


async def test_expires_in_and_token_lifetime_follow_the_access_token_setting(
    serve: Serve, user: User
) -> None:
    async with serve(ACCESS_TOKEN_EXPIRE_MINUTES=7) as client:
        pair = await sign_in(client, user.username)

    assert pair["expires_in"] == 7 * 60
    claims = unverified_claims(pair["access_token"])
    assert claims["exp"] - claims["iat"] == 7 * 60
    assert claims["sub"] == str(user.id)
    assert claims["type"] == "access"


@pytest.mark.parametrize(
    "spelling",
    ["SUPERADMIN", "superadmin", "SuperAdmin", fullwidth("superAdmin"), " superAdmin "],
    ids=["upper", "lower", "mixed", "fullwidth", "padded"],
)
async def test_username_lookup_ignores_case_width_and_surrounding_spaces(
    client: httpx.AsyncClient, superadmin: User, spelling: str
) -> None:
    pair = await sign_in(client, spelling)

    me = await read_me(client, pair["access_token"])
    assert me.json()["username"] == "superAdmin"


async def test_wrong_password_and_unknown_user_get_the_same_401(
    client: httpx.AsyncClient, user: User
) -> None:
    wrong_password = await login(client, user.username, "not-the-password")
    unknown_user = await login(client, "nobody-by-this-name", DEFAULT_PASSWORD)

    for response in (wrong_password, unknown_user):
        assert_unauthorized(response, "invalid_credentials")
        assert response.json() == INVALID_CREDENTIALS
        assert "set-cookie" not in response.headers


async def test_unknown_username_still_spends_a_bcrypt_check(
    client: httpx.AsyncClient, user: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without timing anything: the unknown-user path must run passlib's dummy bcrypt check,
    and the known-user path must not (it checks the real hash instead)."""
    calls: list[bool] = []
    real_dummy_verify = password_context.dummy_verify

    def recording_dummy_verify() -> bool:
        result = bool(real_dummy_verify())
        calls.append(result)
        return result

    monkeypatch.setattr(password_context, "dummy_verify", recording_dummy_verify)

    assert_unauthorized(await login(client, "nobody-by-this-name"), "invalid_credentials")
    assert calls == [False]

    calls.clear()
    assert_unauthorized(await login(client, user.username, "wrong-password"), "invalid_credentials")
    await sign_in(client, user.username)
    assert calls == []


async def test_inactive_user_with_the_right_password_is_refused(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    inactive = await make_user(is_active=False)

    response = await login(client, inactive.username, DEFAULT_PASSWORD)

    assert_unauthorized(response, "invalid_credentials")
    assert response.json() == INVALID_CREDENTIALS


async def test_login_with_a_password_over_72_bytes_is_a_401_not_a_500(
    app: FastAPI, user: User
) -> None:
    """Login accepts up to 1024 characters; bcrypt 5 raises on more than 72 bytes. A long
    wrong password must be an ordinary failed sign-in, for known users as for unknown ones."""
    async with client_for(app, raise_app_exceptions=False) as client:
        known = await login(client, user.username, "x" * 100)
        unknown = await login(client, "nobody-by-this-name", "x" * 100)

    assert_unauthorized(unknown, "invalid_credentials")
    assert_unauthorized(known, "invalid_credentials")


async def test_oauth2_form_endpoint_returns_the_same_pair_as_login(
    client: httpx.AsyncClient, user: User, settings: Settings
) -> None:
    response = await client.post(
        TOKEN_URL, data={"username": user.username.upper(), "password": DEFAULT_PASSWORD}
    )

    assert response.status_code == 200, response.text
    pair: dict[str, Any] = response.json()
    assert_token_pair(pair, settings)
    me = await read_me(client, pair["access_token"])
    assert me.json()["id"] == user.id


async def test_oauth2_form_endpoint_refuses_a_wrong_password(
    client: httpx.AsyncClient, user: User
) -> None:
    response = await client.post(
        TOKEN_URL, data={"username": user.username, "password": "not-the-password"}
    )

    assert_unauthorized(response, "invalid_credentials")
    assert response.json() == INVALID_CREDENTIALS


async def test_a_dotted_capital_i_neither_reaches_the_account_nor_gets_a_fresh_budget(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    # PostgreSQL's lower('KİKİ') is 'kiki' under glibc, Python's 'KİKİ'.lower() is 'ki̇ki̇':
    # one spelling must not be looked up one way and counted the other.
    await make_user(username="kiki")
    for _ in range(5):
        assert (await login(client, "kiki", "wrong-password")).status_code == 401

    response = await login(client, "KİKİ", DEFAULT_PASSWORD)

    assert_unauthorized(response, "invalid_credentials")


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [
        ("SuperAdmin", "superadmin"),
        (f" {fullwidth('Kiki')} ", "kiki"),
        ("KİKİ", "kİkİ"),
        ("STRAßE", "straße"),
    ],
)
def test_usernames_are_compared_in_one_canonical_form(spelling: str, canonical: str) -> None:
    assert canonical_username(spelling) == canonical
