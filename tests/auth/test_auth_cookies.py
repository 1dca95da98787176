"""The refresh-token cookie, and POST /api/auth/logout.

httpx's cookie jar keeps a non-Secure cookie and sends it back to paths under /api/auth on its
own, but never a Secure one over http://testserver. So the tests clear the jar and send the
cookie explicitly as a `Cookie` header, as a browser would.
"""

import httpx
from auth_support import REFRESH_COOKIE, cookie_header, set_cookie
from conftest import MakeSettings, Serve
from helpers import LOGOUT_URL, REFRESH_URL, assert_unauthorized, login, refresh, sign_in

from app.core.config import Environment, Settings
from app.users.models import User

PRODUCTION = {
    "ENVIRONMENT": Environment.PRODUCTION,
    "SECRET_KEY": "a-production-secret-key-of-more-than-32-characters",
    "FIRST_SUPERUSER_PASSWORD": "a-long-production-password",
    "DEBUG": False,
}


def assert_refresh_cookie(response: httpx.Response, settings: Settings, *, secure: bool) -> str:
    """The response sets the refresh cookie with the agreed attributes; returns its value."""
    value, attributes = set_cookie(response)
    assert value
    assert "httponly" in attributes
    assert attributes["samesite"].lower() == "strict"
    assert attributes["path"] == "/api/auth"
    assert attributes["max-age"] == str(settings.REFRESH_TOKEN_EXPIRE_DAYS * 86400)
    assert ("secure" in attributes) is secure
    return value


async def test_login_sets_an_httponly_strict_refresh_cookie_not_secure_outside_production(
    client: httpx.AsyncClient, user: User, settings: Settings
) -> None:
    response = await login(client, user.username)

    assert response.status_code == 200, response.text
    value = assert_refresh_cookie(response, settings, secure=False)
    assert value == response.json()["refresh_token"]


async def test_cookie_max_age_follows_the_refresh_lifetime_setting(
    make_settings: MakeSettings, serve: Serve, user: User
) -> None:
    settings = make_settings(REFRESH_TOKEN_EXPIRE_DAYS=3)
    async with serve(settings) as client:
        response = await login(client, user.username)

    assert response.status_code == 200, response.text
    assert_refresh_cookie(response, settings, secure=False)
    assert set_cookie(response)[1]["max-age"] == str(3 * 86400)


async def test_refresh_cookie_is_secure_in_production(
    make_settings: MakeSettings, serve: Serve, user: User
) -> None:
    settings = make_settings(**PRODUCTION)
    async with serve(settings) as client:
        logged_in = await login(client, user.username)
        token = assert_refresh_cookie(logged_in, settings, secure=True)
        # Over plain http httpx keeps the Secure cookie to itself: it must be sent by hand.
        client.cookies.clear()
        refreshed = await client.post(REFRESH_URL, headers=cookie_header(token))
        logged_out = await client.post(LOGOUT_URL, headers=cookie_header(token))

    assert refreshed.status_code == 200, refreshed.text
    assert_refresh_cookie(refreshed, settings, secure=True)
    assert logged_out.status_code == 204, logged_out.text
    assert "secure" in set_cookie(logged_out)[1]


async def test_refresh_accepts_the_cookie_and_sets_the_rotated_one(
    client: httpx.AsyncClient, user: User, settings: Settings
) -> None:
    pair = await sign_in(client, user.username)
    client.cookies.clear()

    response = await client.post(REFRESH_URL, headers=cookie_header(pair["refresh_token"]))

    assert response.status_code == 200, response.text
    rotated = response.json()["refresh_token"]
    assert rotated != pair["refresh_token"]
    assert assert_refresh_cookie(response, settings, secure=False) == rotated
    # The cookie really was the one consumed: presenting it again is reuse.
    assert_unauthorized(await refresh(client, pair["refresh_token"]), "refresh_token_reused")


async def test_a_token_in_the_body_wins_over_the_cookie(
    client: httpx.AsyncClient, user: User
) -> None:
    pair = await sign_in(client, user.username)
    client.cookies.clear()

    response = await client.post(
        REFRESH_URL,
        json={"refresh_token": pair["refresh_token"]},
        headers=cookie_header("not-a-token-this-server-issued"),
    )

    assert response.status_code == 200, response.text


async def test_logout_revokes_the_token_and_clears_the_cookie(
    client: httpx.AsyncClient, user: User
) -> None:
    pair = await sign_in(client, user.username)

    response = await client.post(LOGOUT_URL, json={"refresh_token": pair["refresh_token"]})

    assert response.status_code == 204, response.text
    assert response.content == b""
    value, attributes = set_cookie(response)
    assert value in {"", '""'}
    assert attributes["max-age"] == "0"
    assert attributes["path"] == "/api/auth"
    assert REFRESH_COOKIE not in client.cookies
    assert_unauthorized(await refresh(client, pair["refresh_token"]), "invalid_refresh_token")


async def test_logout_accepts_the_cookie(client: httpx.AsyncClient, user: User) -> None:
    pair = await sign_in(client, user.username)
    client.cookies.clear()

    response = await client.post(LOGOUT_URL, headers=cookie_header(pair["refresh_token"]))

    assert response.status_code == 204, response.text
    assert set_cookie(response)[1]["max-age"] == "0"
    assert_unauthorized(await refresh(client, pair["refresh_token"]), "invalid_refresh_token")


async def test_logout_of_an_unknown_token_is_204(client: httpx.AsyncClient) -> None:
    response = await client.post(LOGOUT_URL, json={"refresh_token": "never-issued"})

    assert response.status_code == 204, response.text
    assert set_cookie(response)[1]["max-age"] == "0"


async def test_logout_without_a_token_is_missing(client: httpx.AsyncClient) -> None:
    response = await client.post(LOGOUT_URL)

    assert_unauthorized(response, "refresh_token_missing")
