"""The refresh-token cookie of browser sessions, the body of API clients, and logout.

A browser signs in with `refresh_cookie: true`: its refresh token lives in the httpOnly
cookie and never appears in a body, where a script on the page could read it. An API client
(curl, a mobile app) leaves it out and gets both tokens in the body, and no cookie.

httpx's cookie jar keeps a non-Secure cookie and sends it back to paths under /api/auth on its
own, but never a Secure one over http://testserver. So the tests clear the jar and send the
cookie explicitly as a `Cookie` header, as a browser would.
"""

import httpx
import pytest
from auth_support import REFRESH_COOKIE, cookie_header, set_cookie
from conftest import MakeSettings, Serve
from helpers import (
    DEFAULT_PASSWORD,
    LOGIN_URL,
    LOGOUT_URL,
    REFRESH_URL,
    TOKEN_URL,
    assert_ok,
    assert_unauthorized,
    login,
    read_me,
    refresh,
    sign_in,
)

from app.core.config import Environment, Settings
from app.users.models import User

PRODUCTION = {
    "ENVIRONMENT": Environment.PRODUCTION,
    "SECRET_KEY": "a-production-secret-key-of-more-than-32-characters",
    "FIRST_SUPERUSER_PASSWORD": "a-long-production-password",
    "DEBUG": False,
}


BROWSER_SESSION_FIELDS = {"access_token", "token_type", "expires_in"}


async def browser_login(client: httpx.AsyncClient, username: str) -> httpx.Response:
    """A sign-in as the SPA makes it."""
    return await client.post(
        LOGIN_URL,
        json={"username": username, "password": DEFAULT_PASSWORD, "refresh_cookie": True},
    )


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


async def test_a_browser_sign_in_sets_the_cookie_and_keeps_the_token_out_of_the_body(
    client: httpx.AsyncClient, user: User, settings: Settings
) -> None:
    response = await browser_login(client, user.username)

    body = assert_ok(response)
    assert set(body) == BROWSER_SESSION_FIELDS
    value = assert_refresh_cookie(response, settings, secure=False)
    assert value not in response.text
    assert (await read_me(client, body["access_token"])).status_code == 200


async def test_an_api_client_gets_both_tokens_in_the_body_and_no_cookie(
    client: httpx.AsyncClient, user: User
) -> None:
    response = await login(client, user.username)

    body = assert_ok(response)
    assert {"access_token", "refresh_token"} <= set(body)
    assert "set-cookie" not in response.headers
    assert (await refresh(client, body["refresh_token"])).status_code == 200


async def test_the_oauth2_form_endpoint_never_sets_the_cookie(
    client: httpx.AsyncClient, user: User
) -> None:
    # Any site can post a form here: a cookie set from it would sign the victim's browser
    # into the attacker's account (login CSRF).
    response = await client.post(
        TOKEN_URL, data={"username": user.username, "password": DEFAULT_PASSWORD}
    )

    assert "refresh_token" in assert_ok(response)
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("kind", ["api", "browser"])
async def test_token_responses_are_never_cached(
    client: httpx.AsyncClient, user: User, kind: str
) -> None:
    if kind == "browser":
        signed_in = await browser_login(client, user.username)
        client.cookies.clear()
        refreshed = await client.post(REFRESH_URL, headers=cookie_header(set_cookie(signed_in)[0]))
    else:
        signed_in = await login(client, user.username)
        refreshed = await refresh(client, signed_in.json()["refresh_token"])
    form = await client.post(
        TOKEN_URL, data={"username": user.username, "password": DEFAULT_PASSWORD}
    )

    for response in (signed_in, refreshed, form):
        assert response.status_code == 200, response.text
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Pragma"] == "no-cache"


async def test_cookie_max_age_follows_the_refresh_lifetime_setting(
    make_settings: MakeSettings, serve: Serve, user: User
) -> None:
    settings = make_settings(REFRESH_TOKEN_EXPIRE_DAYS=3)
    async with serve(settings) as client:
        response = await browser_login(client, user.username)

    assert response.status_code == 200, response.text
    assert_refresh_cookie(response, settings, secure=False)
    assert set_cookie(response)[1]["max-age"] == str(3 * 86400)


async def test_refresh_cookie_is_secure_in_production(
    make_settings: MakeSettings, serve: Serve, user: User
) -> None:
    settings = make_settings(**PRODUCTION)
    async with serve(settings) as client:
        logged_in = await browser_login(client, user.username)
        token = assert_refresh_cookie(logged_in, settings, secure=True)
        # Over plain http httpx keeps the Secure cookie to itself: it must be sent by hand.
        client.cookies.clear()
        refreshed = await client.post(REFRESH_URL, headers=cookie_header(token))
        logged_out = await client.post(LOGOUT_URL, headers=cookie_header(token))

    assert refreshed.status_code == 200, refreshed.text
    assert_refresh_cookie(refreshed, settings, secure=True)
    assert logged_out.status_code == 204, logged_out.text
    assert "secure" in set_cookie(logged_out)[1]


async def test_refresh_by_cookie_answers_in_the_cookie_only(
    client: httpx.AsyncClient, user: User, settings: Settings
) -> None:
    first = set_cookie(await browser_login(client, user.username))[0]
    client.cookies.clear()

    response = await client.post(REFRESH_URL, headers=cookie_header(first))

    assert set(assert_ok(response)) == BROWSER_SESSION_FIELDS
    rotated = assert_refresh_cookie(response, settings, secure=False)
    assert rotated != first
    assert rotated not in response.text
    # The cookie really was the one consumed: presenting it again is reuse.
    assert_unauthorized(await refresh(client, first), "refresh_token_reused")


async def test_refresh_by_body_answers_in_the_body_only(
    client: httpx.AsyncClient, user: User
) -> None:
    pair = await sign_in(client, user.username)

    response = await refresh(client, pair["refresh_token"])

    assert assert_ok(response)["refresh_token"] != pair["refresh_token"]
    assert "set-cookie" not in response.headers


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
