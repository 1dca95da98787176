"""Your own account: /api/users/me and /api/users/me/password."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, UserFactory
from helpers import (
    DEFAULT_PASSWORD,
    ME_URL,
    NEW_PASSWORD,
    assert_error,
    bearer,
    login,
    read_me,
    read_ok,
    refresh,
    sign_in,
)
from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.users.models import User, UserRole


async def my_account(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    """GET /api/users/me, which must answer 200; the account."""
    return await read_ok(client, ME_URL, headers)


async def change_password(
    client: httpx.AsyncClient, headers: dict[str, str], current: str, new: str
) -> httpx.Response:
    return await client.post(
        "/api/users/me/password",
        json={"current_password": current, "new_password": new},
        headers=headers,
    )


# --- GET /me ---


@pytest.mark.parametrize("role", list(UserRole))
async def test_me_returns_the_callers_own_account(
    client: httpx.AsyncClient, make_user: UserFactory, auth_headers: AuthHeaders, role: UserRole
) -> None:
    await make_user(role=UserRole.USER)  # someone else, who must not be returned
    me = await make_user(role=role, email=f"me-{role.value}@example.com")

    body = await my_account(client, auth_headers(me))

    assert body["id"] == me.id
    assert body["username"] == me.username
    assert body["email"] == f"me-{role.value}@example.com"
    assert body["role"] == role.value
    assert body["is_active"] is True
    assert body["full_name"] is None


# --- PATCH /me ---


async def test_patch_me_changes_email_and_full_name_and_nothing_else(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders
) -> None:
    headers = auth_headers(user)
    before = await my_account(client, headers)

    response = await client.patch(
        "/api/users/me",
        json={"email": "renamed@example.com", "full_name": "Ada Lovelace"},
        headers=headers,
    )

    assert response.status_code == 200, response.text
    after = await my_account(client, headers)
    assert response.json() == after
    assert after["email"] == "renamed@example.com"
    assert after["full_name"] == "Ada Lovelace"
    unchanged = {"id", "username", "role", "is_active", "created_at"}
    assert {key: after[key] for key in unchanged} == {key: before[key] for key in unchanged}


async def test_patch_me_with_only_one_field_leaves_the_other_alone(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders
) -> None:
    headers = auth_headers(user)
    await client.patch("/api/users/me", json={"full_name": "Ada"}, headers=headers)

    response = await client.patch(
        "/api/users/me", json={"email": "only-email@example.com"}, headers=headers
    )

    assert response.status_code == 200, response.text
    assert response.json()["full_name"] == "Ada"
    assert response.json()["email"] == "only-email@example.com"


async def test_patch_me_can_clear_full_name_with_null(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders
) -> None:
    headers = auth_headers(user)
    await client.patch("/api/users/me", json={"full_name": "Ada"}, headers=headers)

    response = await client.patch("/api/users/me", json={"full_name": None}, headers=headers)

    assert response.status_code == 200, response.text
    assert (await my_account(client, headers))["full_name"] is None


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"email": None}, id="email-null"),
        pytest.param({"email": "not-an-email"}, id="email-invalid"),
        pytest.param({"full_name": "x" * 101}, id="full_name-too-long"),
        pytest.param({"full_name": "Sneaky", "role": "superadmin"}, id="role"),
        pytest.param({"full_name": "Sneaky", "is_active": False}, id="is_active"),
        pytest.param({"full_name": "Sneaky", "username": "renamed"}, id="username"),
        pytest.param({"full_name": "Sneaky", "password": "a-new-password"}, id="password"),
        pytest.param({"full_name": "Sneaky", "hashed_password": "x"}, id="hashed_password"),
        pytest.param({"full_name": "Sneaky", "nickname": "x"}, id="unknown-field"),
    ],
)
async def test_patch_me_rejects_fields_it_may_not_set_and_changes_nothing(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders, changes: dict[str, Any]
) -> None:
    headers = auth_headers(user)
    before = await my_account(client, headers)

    response = await client.patch("/api/users/me", json=changes, headers=headers)

    assert_error(response, 422, "validation_error")
    assert isinstance(response.json()["detail"], list)
    assert await my_account(client, headers) == before
    # The password was not changed either.
    assert (await login(client, user.username, DEFAULT_PASSWORD)).status_code == 200


@pytest.mark.parametrize("spelling", [str, str.upper, str.title])
async def test_patch_me_to_an_email_someone_else_has_in_any_case_is_409(
    client: httpx.AsyncClient,
    user: User,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    spelling: Callable[[str], str],
) -> None:
    await make_user(email="taken@example.com")
    headers = auth_headers(user)
    before = await my_account(client, headers)

    response = await client.patch(
        "/api/users/me", json={"email": spelling("taken@example.com")}, headers=headers
    )

    assert_error(response, 409, "email_taken")
    assert await my_account(client, headers) == before


async def test_patch_me_may_keep_its_own_email_in_another_case(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders
) -> None:
    response = await client.patch(
        "/api/users/me", json={"email": user.email.upper()}, headers=auth_headers(user)
    )

    assert response.status_code == 200, response.text


async def test_patch_me_moves_updated_at_forward(
    client: httpx.AsyncClient, session: AsyncSession, user: User, auth_headers: AuthHeaders
) -> None:
    # The whole test is one transaction, so now() never advances: age the row instead.
    await session.execute(
        update(User)
        .where(User.id == user.id)
        .values(
            updated_at=func.now() - timedelta(hours=1), created_at=func.now() - timedelta(hours=1)
        )
    )
    await session.commit()
    headers = auth_headers(user)
    before = await my_account(client, headers)

    response = await client.patch("/api/users/me", json={"full_name": "Ada"}, headers=headers)

    assert response.status_code == 200, response.text
    after = await my_account(client, headers)
    assert response.json()["updated_at"] == after["updated_at"]
    assert datetime.fromisoformat(after["updated_at"]) > datetime.fromisoformat(
        before["updated_at"]
    )
    assert after["created_at"] == before["created_at"]


# --- POST /me/password ---


async def test_changing_password_swaps_which_password_logs_in(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders
) -> None:
    response = await change_password(client, auth_headers(user), DEFAULT_PASSWORD, NEW_PASSWORD)

    assert response.status_code == 204, response.text
    assert response.content == b""
    assert (await login(client, user.username, NEW_PASSWORD)).status_code == 200
    assert_error(await login(client, user.username, DEFAULT_PASSWORD), 401, "invalid_credentials")


async def test_changing_password_with_a_wrong_current_password_is_400_and_keeps_the_old_one(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders
) -> None:
    response = await change_password(client, auth_headers(user), "not-my-password", NEW_PASSWORD)

    assert_error(response, 400, "incorrect_password")
    assert (await login(client, user.username, DEFAULT_PASSWORD)).status_code == 200
    assert_error(await login(client, user.username, NEW_PASSWORD), 401, "invalid_credentials")


async def test_a_current_password_too_long_for_bcrypt_is_just_incorrect(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders
) -> None:
    response = await change_password(client, auth_headers(user), "x" * 200, NEW_PASSWORD)

    assert_error(response, 400, "incorrect_password")


@pytest.mark.parametrize(
    "new_password",
    [
        pytest.param("a" * 73, id="73-ascii-bytes"),
        pytest.param("é" * 36 + "a", id="73-bytes-in-37-characters"),
        pytest.param("short", id="too-short"),
    ],
)
async def test_changing_to_a_password_bcrypt_cant_take_is_422(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders, new_password: str
) -> None:
    response = await change_password(client, auth_headers(user), DEFAULT_PASSWORD, new_password)

    assert_error(response, 422, "validation_error")
    assert (await login(client, user.username, DEFAULT_PASSWORD)).status_code == 200


async def test_a_password_of_exactly_72_bytes_is_accepted_whole(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders
) -> None:
    longest = "é" * 36  # 72 bytes in UTF-8

    response = await change_password(client, auth_headers(user), DEFAULT_PASSWORD, longest)

    assert response.status_code == 204, response.text
    assert (await login(client, user.username, longest)).status_code == 200
    # Every byte counts: the same password minus its last character is wrong.
    assert_error(await login(client, user.username, longest[:-1]), 401, "invalid_credentials")


async def test_changing_password_revokes_every_refresh_token_the_user_held(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders
) -> None:
    laptop = (await sign_in(client, user.username))["refresh_token"]
    phone = (await sign_in(client, user.username))["refresh_token"]
    rotated = await refresh(client, laptop)
    assert rotated.status_code == 200, rotated.text
    laptop = rotated.json()["refresh_token"]

    response = await change_password(client, auth_headers(user), DEFAULT_PASSWORD, NEW_PASSWORD)

    assert response.status_code == 204, response.text
    for token in (laptop, phone):
        refreshed = await refresh(client, token)
        assert refreshed.status_code == 401, refreshed.text
        # Revoked, not stolen: the code says so, and no reuse alarm goes off.
        assert refreshed.json()["code"] == "invalid_refresh_token"


async def test_a_refused_password_change_keeps_the_refresh_tokens(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders
) -> None:
    token = (await sign_in(client, user.username))["refresh_token"]

    await change_password(client, auth_headers(user), "not-my-password", NEW_PASSWORD)

    refreshed = await refresh(client, token)
    assert refreshed.status_code == 200, refreshed.text


async def test_changing_password_ends_the_access_tokens_issued_before(
    client: httpx.AsyncClient, user: User
) -> None:
    laptop = (await sign_in(client, user.username))["access_token"]
    phone = (await sign_in(client, user.username))["access_token"]

    response = await change_password(client, bearer(laptop), DEFAULT_PASSWORD, NEW_PASSWORD)

    assert response.status_code == 204, response.text
    for token in (laptop, phone):
        assert_error(await read_me(client, token), 401, "invalid_token")
    fresh = (await sign_in(client, user.username, NEW_PASSWORD))["access_token"]
    assert (await read_me(client, fresh)).status_code == 200


async def test_an_admins_password_reset_ends_the_users_access_tokens(
    client: httpx.AsyncClient, user: User, superadmin: User, auth_headers: AuthHeaders
) -> None:
    token = (await sign_in(client, user.username))["access_token"]

    reset = await client.patch(
        f"/api/users/{user.id}", json={"password": NEW_PASSWORD}, headers=auth_headers(superadmin)
    )

    assert reset.status_code == 200, reset.text
    assert_error(await read_me(client, token), 401, "invalid_token")


async def test_a_refused_password_change_keeps_the_access_token(
    client: httpx.AsyncClient, user: User
) -> None:
    token = (await sign_in(client, user.username))["access_token"]

    await change_password(client, bearer(token), "not-my-password", NEW_PASSWORD)

    assert (await read_me(client, token)).status_code == 200


async def test_the_sixth_current_password_check_in_15_minutes_is_429(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders
) -> None:
    for _ in range(5):
        wrong = await change_password(client, auth_headers(user), "not-my-password", NEW_PASSWORD)
        assert_error(wrong, 400, "incorrect_password")

    # Even the right password now waits: the limit is on checks, not on failures.
    response = await change_password(client, auth_headers(user), DEFAULT_PASSWORD, NEW_PASSWORD)

    assert_error(response, 429, "too_many_password_attempts")
    assert 1 <= int(response.headers["Retry-After"]) <= 15 * 60


async def test_the_password_check_limit_is_per_user(
    client: httpx.AsyncClient, make_user: UserFactory, auth_headers: AuthHeaders
) -> None:
    guessed, other = await make_user(), await make_user()
    for _ in range(6):
        await change_password(client, auth_headers(guessed), "not-my-password", NEW_PASSWORD)

    response = await change_password(client, auth_headers(other), DEFAULT_PASSWORD, NEW_PASSWORD)

    assert response.status_code == 204, response.text


# --- DELETE /me ---


async def test_delete_me_is_405_naming_what_me_serves(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders
) -> None:
    response = await client.delete(ME_URL, headers=auth_headers(user))

    assert_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == "GET, PATCH"
