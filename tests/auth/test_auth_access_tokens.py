"""Bearer access tokens, as GET /api/users/me checks them."""

import httpx
import pytest
from auth_support import access_claims, base64url_json, deactivate, sign
from helpers import ME_URL, assert_unauthorized, bearer, read_me, sign_in
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.users.models import User

INVALID_TOKEN = {"detail": "Could not validate credentials", "code": "invalid_token"}


def assert_invalid_token(response: httpx.Response) -> None:
    assert_unauthorized(response, "invalid_token")
    assert response.json() == INVALID_TOKEN


async def test_a_hand_made_token_with_the_apps_claims_is_accepted(
    client: httpx.AsyncClient, user: User, settings: Settings
) -> None:
    """The baseline for the forgeries below: the claims and key they start from are right."""
    response = await read_me(client, sign(access_claims(user.id), settings))

    assert response.status_code == 200, response.text
    assert response.json()["id"] == user.id


async def test_no_token_is_not_authenticated(client: httpx.AsyncClient) -> None:
    response = await client.get(ME_URL)

    body = assert_unauthorized(response, "not_authenticated")
    assert body["detail"] == "Not authenticated"


@pytest.mark.parametrize("authorization", ["Basic dXNlcjpwYXNz", "Token abc"])
async def test_an_authorization_header_of_another_scheme_is_not_authenticated(
    client: httpx.AsyncClient, authorization: str
) -> None:
    response = await client.get(ME_URL, headers={"Authorization": authorization})

    assert_unauthorized(response, "not_authenticated")


async def test_an_empty_bearer_token_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.get(ME_URL, headers={"Authorization": "Bearer "})

    assert_unauthorized(response, "invalid_token")


async def test_an_expired_token_is_refused(
    client: httpx.AsyncClient, user: User, settings: Settings
) -> None:
    claims = access_claims(user.id, lifetime_seconds=-60)
    claims["iat"] -= 3600

    assert_invalid_token(await read_me(client, sign(claims, settings)))


async def test_a_token_with_a_tampered_signature_is_refused(
    client: httpx.AsyncClient, user: User, settings: Settings
) -> None:
    header, payload, signature = sign(access_claims(user.id), settings).split(".")
    # The first character carries the signature's leading bits, so this changes its bytes.
    forged = ("B" if signature[0] == "A" else "A") + signature[1:]

    assert_invalid_token(await read_me(client, f"{header}.{payload}.{forged}"))


async def test_a_token_whose_claims_were_swapped_under_the_signature_is_refused(
    client: httpx.AsyncClient, user: User, admin: User, settings: Settings
) -> None:
    header, _, signature = sign(access_claims(user.id), settings).split(".")
    swapped = base64url_json(access_claims(admin.id))

    assert_invalid_token(await read_me(client, f"{header}.{swapped}.{signature}"))


async def test_a_token_signed_with_another_key_is_refused(
    client: httpx.AsyncClient, user: User, settings: Settings
) -> None:
    other = settings.model_copy(update={"SECRET_KEY": type(settings.SECRET_KEY)("x" * 48)})

    assert_invalid_token(await read_me(client, sign(access_claims(user.id), other)))


async def test_an_unsigned_alg_none_token_is_refused(client: httpx.AsyncClient, user: User) -> None:
    header = base64url_json({"alg": "none", "typ": "JWT"})
    payload = base64url_json(access_claims(user.id))

    assert_invalid_token(await read_me(client, f"{header}.{payload}."))


async def test_a_token_signed_with_another_algorithm_is_refused(
    client: httpx.AsyncClient, user: User, settings: Settings
) -> None:
    assert settings.ALGORITHM == "HS256"

    token = sign(access_claims(user.id), settings, algorithm="HS512")

    assert_invalid_token(await read_me(client, token))


@pytest.mark.parametrize("token_type", ["refresh", None, "", "ACCESS"])
async def test_a_token_that_is_not_typed_access_is_refused(
    client: httpx.AsyncClient, user: User, settings: Settings, token_type: str | None
) -> None:
    claims = access_claims(user.id)
    if token_type is None:
        del claims["type"]
    else:
        claims["type"] = token_type

    assert_invalid_token(await read_me(client, sign(claims, settings)))


@pytest.mark.parametrize("claim", ["sub", "exp", "iat"])
async def test_a_token_missing_a_required_claim_is_refused(
    client: httpx.AsyncClient, user: User, settings: Settings, claim: str
) -> None:
    claims = access_claims(user.id)
    del claims[claim]

    assert_invalid_token(await read_me(client, sign(claims, settings)))


@pytest.mark.parametrize("subject", ["abc", "-1", "1.0", ""])
async def test_a_token_whose_subject_is_not_a_user_id_is_refused(
    client: httpx.AsyncClient, user: User, settings: Settings, subject: str
) -> None:
    claims = access_claims(user.id)
    claims["sub"] = subject

    assert_invalid_token(await read_me(client, sign(claims, settings)))


async def test_a_refresh_token_is_not_a_bearer_token(client: httpx.AsyncClient, user: User) -> None:
    pair = await sign_in(client, user.username)

    assert_invalid_token(await read_me(client, pair["refresh_token"]))


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "..", "x" * 2000])
async def test_a_malformed_token_is_refused(client: httpx.AsyncClient, token: str) -> None:
    assert_invalid_token(await client.get(ME_URL, headers=bearer(token)))


async def test_a_deleted_users_token_stops_working_at_once(
    client: httpx.AsyncClient, user: User, session: AsyncSession
) -> None:
    pair = await sign_in(client, user.username)
    assert (await read_me(client, pair["access_token"])).status_code == 200

    await session.execute(delete(User).where(User.id == user.id))
    await session.commit()

    assert_invalid_token(await read_me(client, pair["access_token"]))


async def test_a_deactivated_users_token_stops_working_at_once(
    client: httpx.AsyncClient, user: User, session: AsyncSession
) -> None:
    pair = await sign_in(client, user.username)
    assert (await read_me(client, pair["access_token"])).status_code == 200

    await deactivate(session, user)

    assert_invalid_token(await read_me(client, pair["access_token"]))
