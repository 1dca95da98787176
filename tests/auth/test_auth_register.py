"""POST /api/auth/register: open sign-up with the `user` role and nothing else."""

import asyncio
from typing import Any

import httpx
import pytest
from auth_support import find_user
from conftest import Serve
from helpers import (
    DEFAULT_PASSWORD,
    REGISTER_URL,
    LiveShop,
    assert_error,
    assert_public_user,
    client_for,
    new_account,
    sign_in,
)
from sqlalchemy.ext.asyncio import AsyncSession


async def register(client: httpx.AsyncClient, **changes: Any) -> httpx.Response:
    """Sign up `newcomer`, with `changes` to the valid sign-up body."""
    return await client.post(REGISTER_URL, json=new_account(**changes))


def assert_validation_error(response: httpx.Response, *, password: str | None = None) -> list[Any]:
    """A 422 in the app's shape, none of whose entries echo the input; returns the entries."""
    body = assert_error(response, 422, "validation_error")
    assert set(body) == {"detail", "code"}
    entries: list[Any] = body["detail"]
    assert entries
    for entry in entries:
        assert "input" not in entry
    if password is not None:
        assert password not in response.text
    return entries


@pytest.mark.parametrize(
    ("body_locale", "accept_language", "stored"),
    [
        (None, None, "en"),
        (None, "zh-CN,zh;q=0.9", "zh-CN"),
        ("en", "zh-CN", "en"),
        ("zh-CN", "en-US", "zh-CN"),
    ],
)
async def test_a_new_accounts_mail_language_is_the_one_chosen_else_the_browsers(
    client: httpx.AsyncClient,
    session: AsyncSession,
    body_locale: str | None,
    accept_language: str | None,
    stored: str,
) -> None:
    headers = {"Accept-Language": accept_language} if accept_language else {}
    body = new_account() | ({"locale": body_locale} if body_locale else {})

    response = await client.post(REGISTER_URL, json=body, headers=headers)

    assert response.status_code == 201, response.text
    created = await find_user(session, "newcomer")
    assert created is not None
    assert created.locale == stored


async def test_register_creates_an_active_user_and_returns_only_public_fields(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    response = await register(client, full_name="New Comer")

    assert response.status_code == 201, response.text
    body = response.json()
    assert_public_user(body)
    assert body["username"] == "newcomer"
    assert body["email"] == "newcomer@example.com"
    assert body["full_name"] == "New Comer"
    assert body["role"] == "user"
    assert body["is_active"] is True
    created = await find_user(session, "newcomer")
    assert created is not None
    assert created.id == body["id"]
    assert created.hashed_password not in response.text
    assert DEFAULT_PASSWORD not in response.text


async def test_registered_user_can_sign_in(client: httpx.AsyncClient) -> None:
    assert (await register(client)).status_code == 201

    await sign_in(client, "newcomer", DEFAULT_PASSWORD)


@pytest.mark.parametrize("taken", ["newcomer", "NEWCOMER", "NewComer"])
async def test_a_taken_username_in_any_case_is_a_conflict(
    client: httpx.AsyncClient, taken: str
) -> None:
    assert (await register(client)).status_code == 201

    response = await register(client, username=taken, email="someone-else@example.com")

    assert_error(response, 409, "username_taken")


@pytest.mark.parametrize(
    "taken", ["newcomer@example.com", "NEWCOMER@EXAMPLE.COM", "NewComer@example.com"]
)
async def test_a_taken_email_in_any_case_is_a_conflict(
    client: httpx.AsyncClient, taken: str
) -> None:
    assert (await register(client)).status_code == 201

    response = await register(client, username="someone-else", email=taken)

    assert_error(response, 409, "email_taken")


async def test_registration_can_be_closed(serve: Serve, session: AsyncSession) -> None:
    async with serve(ALLOW_REGISTRATION=False) as client:
        response = await register(client)

    body = assert_error(response, 403, "registration_disabled")
    assert body["detail"] == "Registration is disabled"
    assert await find_user(session, "newcomer") is None


@pytest.mark.parametrize(
    "extra",
    [
        {"role": "admin"},
        {"role": "superadmin"},
        {"is_active": False},
        {"id": 1},
        {"hashed_password": "$2b$04$" + "x" * 53},
        {"is_superuser": True},
    ],
    ids=lambda extra: next(iter(extra)),
)
async def test_fields_beyond_the_registration_form_are_refused(
    client: httpx.AsyncClient, session: AsyncSession, extra: dict[str, Any]
) -> None:
    response = await register(client, **extra)

    entries = assert_validation_error(response)
    assert [entry["loc"] for entry in entries] == [["body", next(iter(extra))]]
    assert entries[0]["type"] == "extra_forbidden"
    assert await find_user(session, "newcomer") is None


@pytest.mark.parametrize(
    ("password", "size"),
    [("a" * 73, 73), ("é" * 37, 74), ("a" * 71 + "é", 73), ("x" * 1000, 1000)],
    ids=["73-ascii", "74-utf8", "73-mixed", "1000"],
)
async def test_a_password_over_72_utf8_bytes_is_refused_not_truncated(
    client: httpx.AsyncClient, session: AsyncSession, password: str, size: int
) -> None:
    response = await register(client, password=password)

    entries = assert_validation_error(response, password=password)
    assert [entry["loc"] for entry in entries] == [["body", "password"]]
    assert "72 bytes" in entries[0]["msg"]
    assert str(size) in entries[0]["msg"]
    assert await find_user(session, "newcomer") is None


@pytest.mark.parametrize("password", ["a" * 72, "é" * 36, "ü" * 35 + "ab"])
async def test_a_password_of_exactly_72_bytes_registers_and_signs_in(
    client: httpx.AsyncClient, password: str
) -> None:
    assert len(password.encode()) == 72

    response = await register(client, password=password)

    assert response.status_code == 201, response.text
    await sign_in(client, "newcomer", password)


async def test_a_password_under_8_characters_is_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    response = await register(client, password="seven77")

    entries = assert_validation_error(response, password="seven77")
    assert [entry["loc"] for entry in entries] == [["body", "password"]]
    assert entries[0]["type"] == "password_too_short"
    assert await find_user(session, "newcomer") is None


async def test_a_password_of_8_bytes_in_fewer_characters_is_refused(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    """Counted in characters, as the schema's minLength is: three CJK characters are 9 bytes."""
    password = "\u5bc6\u7801\u597d"
    response = await register(client, password=password)

    entries = assert_validation_error(response, password=password)
    assert entries[0]["type"] == "password_too_short"
    assert await find_user(session, "newcomer") is None


async def test_registrations_fired_together_from_one_address_get_ten_answers(
    live_shop: LiveShop,
) -> None:
    # Every answer says whether a name is taken: a budget per address keeps that from
    # becoming a directory, and mass sign-ups slow.
    responses = await asyncio.gather(
        *(
            live_shop.client.post(
                REGISTER_URL,
                json=new_account("live1") if index % 2 else new_account(f"fresh{index}"),
            )
            for index in range(30)
        )
    )

    statuses = [response.status_code for response in responses]
    assert statuses.count(429) == 20, statuses
    assert set(statuses) <= {201, 409, 429}, statuses
    for response in responses:
        if response.status_code == 429:
            assert response.json()["code"] == "too_many_registrations"
            assert int(response.headers["Retry-After"]) >= 1
    async with client_for(live_shop.app, client_ip="198.51.100.7") as elsewhere:
        assert (await elsewhere.post(REGISTER_URL, json=new_account("other"))).status_code == 201
