"""POST /api/auth/refresh: rotation, reuse detection and the ways a refresh token dies."""

from datetime import UTC, datetime, timedelta

import httpx
from auth_support import assert_token_pair, deactivate, stored_refresh_token
from conftest import Serve
from helpers import LOGOUT_URL, REFRESH_URL, assert_unauthorized, read_me, refresh, sign_in
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.refresh_tokens.models import RefreshToken
from app.users.models import User


async def test_refresh_rotates_to_a_new_working_pair(
    client: httpx.AsyncClient, user: User, settings: Settings, session: AsyncSession
) -> None:
    first = await sign_in(client, user.username)

    response = await refresh(client, first["refresh_token"])

    assert response.status_code == 200, response.text
    second = response.json()
    assert_token_pair(second, settings)
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    me = await read_me(client, second["access_token"])
    assert me.json()["id"] == user.id
    # The rotated token stays in the login's family, and the presented one is now spent.
    old = await stored_refresh_token(session, first["refresh_token"])
    new = await stored_refresh_token(session, second["refresh_token"])
    assert new.family_id == old.family_id
    assert old.used_at is not None
    assert (new.used_at, new.revoked_at) == (None, None)


async def test_refresh_token_is_stored_only_as_its_sha256(
    client: httpx.AsyncClient, user: User, session: AsyncSession
) -> None:
    pair = await sign_in(client, user.username)

    stored = await stored_refresh_token(session, pair["refresh_token"])
    leaked = await session.scalar(
        select(RefreshToken).where(RefreshToken.token_hash == pair["refresh_token"])
    )
    assert stored.user_id == user.id
    assert leaked is None


async def test_reusing_a_rotated_refresh_token_revokes_its_whole_family(
    client: httpx.AsyncClient, user: User
) -> None:
    first = await sign_in(client, user.username)
    rotated = (await refresh(client, first["refresh_token"])).json()

    reused = await refresh(client, first["refresh_token"])

    assert_unauthorized(reused, "refresh_token_reused")
    # The token the rotation issued dies with the family, though it was never used.
    assert_unauthorized(await refresh(client, rotated["refresh_token"]), "invalid_refresh_token")


async def test_reuse_revokes_only_its_own_family(client: httpx.AsyncClient, user: User) -> None:
    stolen_line = await sign_in(client, user.username)
    other_device = await sign_in(client, user.username)
    await refresh(client, stolen_line["refresh_token"])

    assert_unauthorized(await refresh(client, stolen_line["refresh_token"]), "refresh_token_reused")

    response = await refresh(client, other_device["refresh_token"])
    assert response.status_code == 200, response.text


async def test_unknown_refresh_token_is_invalid(client: httpx.AsyncClient) -> None:
    response = await refresh(client, "not-a-token-this-server-issued")

    body = assert_unauthorized(response, "invalid_refresh_token")
    assert body["detail"] == "The refresh token is invalid or expired"


async def test_expired_refresh_token_is_refused(
    client: httpx.AsyncClient, user: User, session: AsyncSession
) -> None:
    pair = await sign_in(client, user.username)
    stored = await stored_refresh_token(session, pair["refresh_token"])
    stored.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    await session.commit()

    response = await refresh(client, pair["refresh_token"])

    assert_unauthorized(response, "invalid_refresh_token")


async def test_refresh_for_a_since_deactivated_user_is_refused(
    client: httpx.AsyncClient, user: User, session: AsyncSession
) -> None:
    pair = await sign_in(client, user.username)
    await deactivate(session, user)

    response = await refresh(client, pair["refresh_token"])

    assert_unauthorized(response, "invalid_refresh_token")


async def test_refresh_without_a_token_in_body_or_cookie_is_missing(
    client: httpx.AsyncClient,
) -> None:
    assert not client.cookies

    no_body = await client.post(REFRESH_URL)
    empty_body = await client.post(REFRESH_URL, json={})
    null_token = await client.post(REFRESH_URL, json={"refresh_token": None})

    for response in (no_body, empty_body, null_token):
        body = assert_unauthorized(response, "refresh_token_missing")
        assert body["detail"] == "No refresh token in the body or the cookie"


async def test_a_family_ends_after_refresh_token_max_days_however_often_refreshed(
    serve: Serve, user: User, session: AsyncSession
) -> None:
    async with serve(REFRESH_TOKEN_EXPIRE_DAYS=7, REFRESH_TOKEN_MAX_DAYS=30) as client:
        pair = await sign_in(client, user.username)
        first = await stored_refresh_token(session, pair["refresh_token"])
        started = first.created_at
        assert first.family_expires_at - started > timedelta(days=29, hours=23)
        # The sign-in was 29 days and a half ago, refreshed every few days since.
        first.family_expires_at = datetime.now(UTC) + timedelta(hours=12)
        await session.commit()

        rotated = await refresh(client, pair["refresh_token"])
        assert rotated.status_code == 200, rotated.text
        newest = await stored_refresh_token(session, rotated.json()["refresh_token"])
        # Not 7 more days: the family's end caps it.
        assert newest.expires_at == first.family_expires_at
        assert newest.family_expires_at == first.family_expires_at

        newest.expires_at = newest.family_expires_at = datetime.now(UTC) - timedelta(seconds=1)
        await session.commit()
        assert_unauthorized(
            await refresh(client, rotated.json()["refresh_token"]), "invalid_refresh_token"
        )


async def test_logout_with_an_already_rotated_token_ends_its_family(
    client: httpx.AsyncClient, user: User
) -> None:
    first = await sign_in(client, user.username)
    second = (await refresh(client, first["refresh_token"])).json()

    # A copy of the rotated token: whoever presents it, the line is compromised.
    response = await client.post(LOGOUT_URL, json={"refresh_token": first["refresh_token"]})

    assert response.status_code == 204, response.text
    assert_unauthorized(await refresh(client, second["refresh_token"]), "invalid_refresh_token")
