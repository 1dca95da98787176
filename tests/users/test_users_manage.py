"""Admins managing accounts: POST /api/users, PATCH and DELETE /api/users/{id}.

The rules: admins manage `user`s only and grant no role above `user`; superadmins manage
anyone and grant any role; nobody deactivates, demotes or deletes the first superuser
(`superAdmin`), and nobody deletes themselves.
"""

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, UserFactory
from helpers import (
    DEFAULT_PASSWORD,
    NEW_PASSWORD,
    USERS_URL,
    assert_error,
    fullwidth,
    login,
    new_account,
    read_me,
    read_ok,
    refresh,
    sign_in,
)

from app.users.models import User, UserRole


async def read_user(
    client: httpx.AsyncClient, user_id: int, headers: dict[str, str]
) -> dict[str, Any]:
    return await read_ok(client, f"{USERS_URL}/{user_id}", headers)


# --- POST /api/users ---


async def test_admin_creates_a_user_who_can_log_in(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders
) -> None:
    response = await client.post(
        "/api/users", json=new_account(full_name="New Comer"), headers=auth_headers(admin)
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["username"] == "newcomer"
    assert body["email"] == "newcomer@example.com"
    assert body["full_name"] == "New Comer"
    assert body["role"] == "user"
    assert body["is_active"] is True
    assert await read_user(client, body["id"], auth_headers(admin)) == body
    assert (await login(client, "newcomer", DEFAULT_PASSWORD)).status_code == 200


@pytest.mark.parametrize("role", [UserRole.ADMIN, UserRole.SUPERADMIN])
async def test_admin_cannot_create_an_admin_or_superadmin(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders, role: UserRole
) -> None:
    response = await client.post(
        "/api/users", json=new_account(role=role.value), headers=auth_headers(admin)
    )

    assert_error(response, 403, "role_not_assignable")
    assert_error(await login(client, "newcomer", DEFAULT_PASSWORD), 401, "invalid_credentials")


@pytest.mark.parametrize("role", list(UserRole))
async def test_superadmin_creates_any_role(
    client: httpx.AsyncClient, superadmin: User, auth_headers: AuthHeaders, role: UserRole
) -> None:
    response = await client.post(
        "/api/users", json=new_account(role=role.value), headers=auth_headers(superadmin)
    )

    assert response.status_code == 201, response.text
    assert response.json()["role"] == role.value
    pair = await sign_in(client, "newcomer")
    me = await read_me(client, pair["access_token"])
    assert me.json()["role"] == role.value


@pytest.mark.parametrize(
    ("field", "spelling", "code"),
    [
        ("username", str, "username_taken"),
        ("username", str.upper, "username_taken"),
        ("email", str, "email_taken"),
        ("email", str.upper, "email_taken"),
    ],
    ids=["username", "USERNAME", "email", "EMAIL"],
)
async def test_creating_a_duplicate_username_or_email_in_any_case_is_409(
    client: httpx.AsyncClient,
    admin: User,
    user: User,
    auth_headers: AuthHeaders,
    field: str,
    spelling: Callable[[str], str],
    code: str,
) -> None:
    account = new_account("other") | {field: spelling(getattr(user, field))}

    response = await client.post("/api/users", json=account, headers=auth_headers(admin))

    assert_error(response, 409, code)
    listed = await client.get("/api/users", params={"limit": 100}, headers=auth_headers(admin))
    assert listed.json()["total"] == 2  # the admin and the user, nobody new


@pytest.mark.parametrize(
    "extra",
    [{"id": 1}, {"hashed_password": "x"}, {"created_at": "2020-01-01T00:00:00Z"}, {"nick": "x"}],
    ids=str,
)
async def test_creating_with_an_unknown_field_is_422(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders, extra: dict[str, Any]
) -> None:
    response = await client.post(
        "/api/users", json=new_account(**extra), headers=auth_headers(admin)
    )

    assert_error(response, 422, "validation_error")
    assert_error(await login(client, "newcomer", DEFAULT_PASSWORD), 401, "invalid_credentials")


async def test_an_account_created_inactive_cannot_log_in(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders
) -> None:
    response = await client.post(
        "/api/users", json=new_account(is_active=False), headers=auth_headers(admin)
    )

    assert response.status_code == 201, response.text
    assert response.json()["is_active"] is False
    assert_error(await login(client, "newcomer", DEFAULT_PASSWORD), 401, "invalid_credentials")


# --- Unicode usernames ---


@pytest.mark.parametrize(
    ("path", "as_admin"), [("/api/users", True), ("/api/auth/register", False)], ids=str
)
async def test_a_fullwidth_lookalike_of_an_existing_username_is_taken(
    client: httpx.AsyncClient,
    superadmin: User,
    auth_headers: AuthHeaders,
    path: str,
    as_admin: bool,
) -> None:
    account = new_account(fullwidth("superAdmin"), email="lookalike@example.com")
    headers = auth_headers(superadmin) if as_admin else {}

    response = await client.post(path, json=account, headers=headers)

    assert_error(response, 409, "username_taken")


@pytest.mark.parametrize(
    "lookalike",
    [
        "\u0455uperAdmin",  # Cyrillic dze for the s
        "super\u0391dmin",  # Greek capital alpha for the A
        "superAdmi\u0301n",  # a combining acute accent
        "super\u200bAdmin",  # a zero-width space
        "superAdmin\u200d",  # a zero-width joiner
        "superAd\u1d0din",  # small capital M
    ],
    ids=[
        "cyrillic",
        "greek",
        "combining-mark",
        "zero-width-space",
        "zero-width-joiner",
        "small-cap",
    ],
)
async def test_a_lookalike_no_normalisation_folds_is_refused(
    client: httpx.AsyncClient, superadmin: User, lookalike: str
) -> None:
    response = await client.post(
        "/api/auth/register", json=new_account(lookalike, email="spoof@example.com")
    )

    [error] = assert_error(response, 422, "validation_error")["detail"]
    assert error["loc"] == ["body", "username"]


@pytest.mark.parametrize(
    "variant",
    ["SUPERADMIN", "superadmin", " superAdmin ", "superAdmin\u00a0"],
    ids=["upper", "lower", "spaces", "no-break-space"],
)
async def test_a_case_or_space_variant_of_superadmin_is_taken(
    client: httpx.AsyncClient, superadmin: User, variant: str
) -> None:
    response = await client.post(
        "/api/auth/register", json=new_account(variant, email="variant@example.com")
    )

    assert_error(response, 409, "username_taken")


async def test_a_fullwidth_username_is_stored_in_its_plain_form(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders
) -> None:
    account = new_account(fullwidth("fullwidth"), email="fw@example.com")

    response = await client.post("/api/users", json=account, headers=auth_headers(admin))

    assert response.status_code == 201, response.text
    assert response.json()["username"] == "fullwidth"
    assert (await login(client, "fullwidth", DEFAULT_PASSWORD)).status_code == 200


# --- PATCH /api/users/{id} ---


@pytest.mark.parametrize(
    "changes",
    [
        {"email": "changed@example.com"},
        {"full_name": "Changed Name"},
        {"full_name": None},
        {"is_active": False},
        {"role": "user"},
        {"email": "both@example.com", "full_name": "Both"},
    ],
    ids=str,
)
async def test_admin_edits_a_users_profile_fields(
    client: httpx.AsyncClient,
    admin: User,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    changes: dict[str, Any],
) -> None:
    target = await make_user(role=UserRole.USER)
    before = await read_user(client, target.id, auth_headers(admin))

    response = await client.patch(
        f"/api/users/{target.id}", json=changes, headers=auth_headers(admin)
    )

    assert response.status_code == 200, response.text
    after = await read_user(client, target.id, auth_headers(admin))
    assert response.json() == after
    assert {key: after[key] for key in changes} == changes
    untouched = set(before) - set(changes) - {"updated_at"}
    assert {key: after[key] for key in untouched} == {key: before[key] for key in untouched}


async def test_admin_resets_a_users_password(
    client: httpx.AsyncClient, admin: User, user: User, auth_headers: AuthHeaders
) -> None:
    response = await client.patch(
        f"/api/users/{user.id}", json={"password": NEW_PASSWORD}, headers=auth_headers(admin)
    )

    assert response.status_code == 200, response.text
    assert (await login(client, user.username, NEW_PASSWORD)).status_code == 200
    assert_error(await login(client, user.username, DEFAULT_PASSWORD), 401, "invalid_credentials")


async def test_resetting_a_password_revokes_the_users_refresh_tokens(
    client: httpx.AsyncClient, admin: User, user: User, auth_headers: AuthHeaders
) -> None:
    first = (await sign_in(client, user.username))["refresh_token"]
    second = (await sign_in(client, user.username))["refresh_token"]

    await client.patch(
        f"/api/users/{user.id}", json={"password": NEW_PASSWORD}, headers=auth_headers(admin)
    )

    for token in (first, second):
        assert (await refresh(client, token)).status_code == 401


async def test_editing_a_profile_field_keeps_the_users_refresh_tokens(
    client: httpx.AsyncClient, admin: User, user: User, auth_headers: AuthHeaders
) -> None:
    token = (await sign_in(client, user.username))["refresh_token"]

    await client.patch(
        f"/api/users/{user.id}", json={"full_name": "Kept"}, headers=auth_headers(admin)
    )

    assert (await refresh(client, token)).status_code == 200


async def test_deactivating_a_user_ends_their_sessions_at_once(
    client: httpx.AsyncClient, admin: User, user: User, auth_headers: AuthHeaders
) -> None:
    pair = await sign_in(client, user.username)
    access, token = pair["access_token"], pair["refresh_token"]
    assert (await read_me(client, access)).status_code == 200

    response = await client.patch(
        f"/api/users/{user.id}", json={"is_active": False}, headers=auth_headers(admin)
    )

    assert response.status_code == 200, response.text
    assert_error(await read_me(client, access), 401, "invalid_token")
    assert (await refresh(client, token)).status_code == 401
    assert_error(await login(client, user.username, DEFAULT_PASSWORD), 401, "invalid_credentials")
    # Revoked, not merely refused while inactive: reactivating does not revive the token.
    await client.patch(
        f"/api/users/{user.id}", json={"is_active": True}, headers=auth_headers(admin)
    )
    assert (await refresh(client, token)).status_code == 401


@pytest.mark.parametrize("role", [UserRole.ADMIN, UserRole.SUPERADMIN])
async def test_admin_cannot_promote_a_user(
    client: httpx.AsyncClient, admin: User, user: User, auth_headers: AuthHeaders, role: UserRole
) -> None:
    response = await client.patch(
        f"/api/users/{user.id}",
        json={"role": role.value, "full_name": "Promoted"},
        headers=auth_headers(admin),
    )

    assert_error(response, 403, "role_not_assignable")
    after = await read_user(client, user.id, auth_headers(admin))
    assert (after["role"], after["full_name"]) == ("user", None)


@pytest.mark.parametrize(
    "changes",
    [
        {"full_name": "Hijacked"},
        {"email": "hijacked@example.com"},
        {"is_active": False},
        {"password": NEW_PASSWORD},
        {"role": "user"},
    ],
    ids=str,
)
@pytest.mark.parametrize("target_role", [UserRole.ADMIN, UserRole.SUPERADMIN])
async def test_admin_cannot_edit_an_admin_or_superadmin(
    client: httpx.AsyncClient,
    admin: User,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    target_role: UserRole,
    changes: dict[str, Any],
) -> None:
    target = await make_user(role=target_role)
    before = await read_user(client, target.id, auth_headers(admin))

    response = await client.patch(
        f"/api/users/{target.id}", json=changes, headers=auth_headers(admin)
    )

    assert_error(response, 403, "user_not_manageable")
    assert await read_user(client, target.id, auth_headers(admin)) == before
    assert (await login(client, target.username, DEFAULT_PASSWORD)).status_code == 200


async def test_admin_cannot_edit_themselves_through_the_admin_route(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders
) -> None:
    response = await client.patch(
        f"/api/users/{admin.id}", json={"role": "superadmin"}, headers=auth_headers(admin)
    )

    assert_error(response, 403, "user_not_manageable")


async def test_superadmin_promotes_a_user_to_admin_and_demotes_them_back(
    client: httpx.AsyncClient, superadmin: User, user: User, auth_headers: AuthHeaders
) -> None:
    path = f"/api/users/{user.id}"

    promoted = await client.patch(path, json={"role": "admin"}, headers=auth_headers(superadmin))

    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["role"] == "admin"
    listing = await client.get("/api/users", headers=auth_headers(user))
    assert listing.status_code == 200, listing.text

    demoted = await client.patch(path, json={"role": "user"}, headers=auth_headers(superadmin))

    assert demoted.status_code == 200, demoted.text
    assert demoted.json()["role"] == "user"
    assert_error(await client.get("/api/users", headers=auth_headers(user)), 403, "admin_required")


@pytest.mark.parametrize("role", [UserRole.ADMIN, UserRole.USER])
async def test_superadmin_demotes_another_superadmin(
    client: httpx.AsyncClient,
    superadmin: User,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    role: UserRole,
) -> None:
    other = await make_user(role=UserRole.SUPERADMIN)

    response = await client.patch(
        f"/api/users/{other.id}", json={"role": role.value}, headers=auth_headers(superadmin)
    )

    assert response.status_code == 200, response.text
    assert response.json()["role"] == role.value


@pytest.mark.parametrize(
    "changes",
    [
        {"role": "admin"},
        {"role": "user"},
        {"is_active": False},
        {"is_active": False, "role": "superadmin"},
    ],
    ids=str,
)
@pytest.mark.parametrize("by_itself", [True, False], ids=["by-itself", "by-another-superadmin"])
async def test_the_first_superuser_cannot_be_demoted_or_deactivated(
    client: httpx.AsyncClient,
    superadmin: User,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    by_itself: bool,
    changes: dict[str, Any],
) -> None:
    actor = superadmin if by_itself else await make_user(role=UserRole.SUPERADMIN)
    before = await read_user(client, superadmin.id, auth_headers(superadmin))

    response = await client.patch(
        f"/api/users/{superadmin.id}", json=changes, headers=auth_headers(actor)
    )

    assert_error(response, 409, "first_superuser_protected")
    assert await read_user(client, superadmin.id, auth_headers(superadmin)) == before


@pytest.mark.parametrize("by_itself", [True, False], ids=["by-itself", "by-another-superadmin"])
async def test_the_first_superusers_profile_can_still_be_edited(
    client: httpx.AsyncClient,
    superadmin: User,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    by_itself: bool,
) -> None:
    actor = superadmin if by_itself else await make_user(role=UserRole.SUPERADMIN)

    response = await client.patch(
        f"/api/users/{superadmin.id}",
        json={"full_name": "The Founder", "role": "superadmin", "is_active": True},
        headers=auth_headers(actor),
    )

    assert response.status_code == 200, response.text
    assert response.json()["full_name"] == "The Founder"
    assert response.json()["role"] == "superadmin"


@pytest.mark.parametrize("field", ["email", "role", "is_active", "password"])
async def test_an_explicit_null_for_a_required_field_is_422(
    client: httpx.AsyncClient, admin: User, user: User, auth_headers: AuthHeaders, field: str
) -> None:
    before = await read_user(client, user.id, auth_headers(admin))

    response = await client.patch(
        f"/api/users/{user.id}",
        json={field: None, "full_name": "Not Saved"},
        headers=auth_headers(admin),
    )

    assert_error(response, 422, "validation_error")
    assert await read_user(client, user.id, auth_headers(admin)) == before


@pytest.mark.parametrize(
    "changes",
    [{"username": "renamed"}, {"hashed_password": "x"}, {"password": "a" * 73}],
    ids=str,
)
async def test_patch_rejects_unknown_fields_and_unhashable_passwords(
    client: httpx.AsyncClient,
    admin: User,
    user: User,
    auth_headers: AuthHeaders,
    changes: dict[str, Any],
) -> None:
    response = await client.patch(
        f"/api/users/{user.id}", json=changes, headers=auth_headers(admin)
    )

    assert_error(response, 422, "validation_error")
    assert (await login(client, user.username, DEFAULT_PASSWORD)).status_code == 200


async def test_patching_an_email_someone_else_has_is_409(
    client: httpx.AsyncClient,
    admin: User,
    user: User,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
) -> None:
    other = await make_user()

    response = await client.patch(
        f"/api/users/{user.id}", json={"email": other.email.upper()}, headers=auth_headers(admin)
    )

    assert_error(response, 409, "email_taken")


# --- Ids that name nobody, for every /api/users/{id} route ---


@pytest.mark.parametrize(
    ("method", "body"),
    [("GET", None), ("PATCH", {"full_name": "Nobody"}), ("DELETE", None)],
    ids=["GET", "PATCH", "DELETE"],
)
async def test_an_id_nobody_has_is_404(
    client: httpx.AsyncClient,
    superadmin: User,
    auth_headers: AuthHeaders,
    method: str,
    body: dict[str, Any] | None,
) -> None:
    response = await client.request(
        method, "/api/users/2147483647", json=body, headers=auth_headers(superadmin)
    )

    assert_error(response, 404, "user_not_found")


@pytest.mark.parametrize("user_id", ["0", "-1", "2147483648", "99999999999", "abc"])
@pytest.mark.parametrize(
    ("method", "body"),
    [("GET", None), ("PATCH", {"full_name": "Nobody"}), ("DELETE", None)],
    ids=["GET", "PATCH", "DELETE"],
)
async def test_an_id_outside_the_integer_column_is_422_not_500(
    client: httpx.AsyncClient,
    superadmin: User,
    auth_headers: AuthHeaders,
    method: str,
    body: dict[str, Any] | None,
    user_id: str,
) -> None:
    response = await client.request(
        method, f"/api/users/{user_id}", json=body, headers=auth_headers(superadmin)
    )

    assert_error(response, 422, "validation_error")


# --- DELETE /api/users/{id} ---


@pytest.mark.parametrize("actor_role", [UserRole.ADMIN, UserRole.SUPERADMIN])
async def test_deleting_a_user_removes_them_and_their_sessions(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    user: User,
    auth_headers: AuthHeaders,
    actor_role: UserRole,
) -> None:
    actor = await make_user(role=actor_role)
    pair = await sign_in(client, user.username)
    access, token = pair["access_token"], pair["refresh_token"]

    response = await client.delete(f"/api/users/{user.id}", headers=auth_headers(actor))

    assert response.status_code == 204, response.text
    assert response.content == b""
    assert_error(
        await client.get(f"/api/users/{user.id}", headers=auth_headers(actor)),
        404,
        "user_not_found",
    )
    assert_error(await read_me(client, access), 401, "invalid_token")
    assert (await refresh(client, token)).status_code == 401
    assert_error(await login(client, user.username, DEFAULT_PASSWORD), 401, "invalid_credentials")


@pytest.mark.parametrize("role", [UserRole.ADMIN, UserRole.SUPERADMIN])
async def test_nobody_can_delete_themselves(
    client: httpx.AsyncClient,
    superadmin: User,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    role: UserRole,
) -> None:
    actor = await make_user(role=role)

    response = await client.delete(f"/api/users/{actor.id}", headers=auth_headers(actor))

    assert_error(response, 409, "cannot_delete_self")
    assert (await read_user(client, actor.id, auth_headers(superadmin)))["id"] == actor.id


async def test_the_first_superuser_cannot_delete_itself(
    client: httpx.AsyncClient, superadmin: User, auth_headers: AuthHeaders
) -> None:
    response = await client.delete(f"/api/users/{superadmin.id}", headers=auth_headers(superadmin))

    assert_error(response, 409, "cannot_delete_self")


async def test_the_first_superuser_cannot_be_deleted_by_another_superadmin(
    client: httpx.AsyncClient, superadmin: User, make_user: UserFactory, auth_headers: AuthHeaders
) -> None:
    other = await make_user(role=UserRole.SUPERADMIN)

    response = await client.delete(f"/api/users/{superadmin.id}", headers=auth_headers(other))

    assert_error(response, 409, "first_superuser_protected")
    assert (await login(client, superadmin.username, DEFAULT_PASSWORD)).status_code == 200


@pytest.mark.parametrize("target_role", [UserRole.ADMIN, UserRole.SUPERADMIN])
async def test_admin_cannot_delete_an_admin_or_superadmin(
    client: httpx.AsyncClient,
    admin: User,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    target_role: UserRole,
) -> None:
    target = await make_user(role=target_role)

    response = await client.delete(f"/api/users/{target.id}", headers=auth_headers(admin))

    assert_error(response, 403, "user_not_manageable")
    assert (await login(client, target.username, DEFAULT_PASSWORD)).status_code == 200


@pytest.mark.parametrize("target_role", [UserRole.ADMIN, UserRole.SUPERADMIN])
async def test_superadmin_deletes_an_admin_or_another_superadmin(
    client: httpx.AsyncClient,
    superadmin: User,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    target_role: UserRole,
) -> None:
    target = await make_user(role=target_role)
    access = (await sign_in(client, target.username))["access_token"]

    response = await client.delete(f"/api/users/{target.id}", headers=auth_headers(superadmin))

    assert response.status_code == 204, response.text
    assert_error(await read_me(client, access), 401, "invalid_token")
    assert_error(await login(client, target.username, DEFAULT_PASSWORD), 401, "invalid_credentials")


@pytest.mark.parametrize("flag", ["0", "false", "no", 0, "off"], ids=repr)
async def test_is_active_takes_a_json_boolean_only(
    client: httpx.AsyncClient,
    admin: User,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    flag: Any,
) -> None:
    """Fuzzing found `"is_active": "0"` deactivating an account."""
    target = await make_user()

    response = await client.patch(
        f"/api/users/{target.id}", json={"is_active": flag}, headers=auth_headers(admin)
    )

    [error] = assert_error(response, 422, "validation_error")["detail"]
    assert error["loc"] == ["body", "is_active"]
    assert (await login(client, target.username, DEFAULT_PASSWORD)).status_code == 200
