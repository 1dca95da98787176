"""Each user's `permissions` for the current user, and /me's `new_account_roles`, list exactly
what the API then accepts: per actor and account, every action is tried; the listed ones
succeed, the others are refused with the error their `refused_because` names."""

from typing import Any, Literal

import httpx
import pytest
from conftest import AuthHeaders, UserFactory
from helpers import ME_URL, USERS_URL, assert_error, assert_ok, new_account, read_ok

from app.users.models import User, UserRole

Actor = Literal["user", "admin", "superadmin", "other superadmin"]
Target = Literal["self", "user", "admin", "other superadmin", "first superuser"]
# Allowed (None) or the reason it is refused.
Verdict = str | None

ALL_ROLES = ["user", "admin", "superadmin"]
NOT_ADMIN, SELF, HIGHER, FIRST = "not_admin", "self", "higher_role", "first_superuser"
# The error each refusal is, per action: deleting yourself has its own.
ERRORS = {
    NOT_ADMIN: (403, "admin_required"),
    SELF: (409, "cannot_change_own_access"),
    HIGHER: (403, "user_not_manageable"),
    FIRST: (409, "first_superuser_protected"),
}
DELETE_ERRORS = ERRORS | {SELF: (409, "cannot_delete_self")}

# (actor, target): edit, change_access, delete, assignable_roles. "superadmin" is the first
# superuser itself; the other superadmin is a second one.
# fmt: off
EXPECTED: dict[tuple[Actor, Target], tuple[Verdict, Verdict, Verdict, list[str]]] = {
    ("user", "self"):                         (NOT_ADMIN, NOT_ADMIN, NOT_ADMIN, []),
    ("admin", "self"):                        (HIGHER, HIGHER, SELF, []),
    ("admin", "user"):                        (None, None, None, ["user"]),
    ("admin", "admin"):                       (HIGHER, HIGHER, HIGHER, []),
    ("admin", "other superadmin"):            (HIGHER, HIGHER, HIGHER, []),
    ("admin", "first superuser"):             (HIGHER, HIGHER, FIRST, []),
    ("superadmin", "self"):                   (None, FIRST, SELF, ["superadmin"]),
    ("superadmin", "user"):                   (None, None, None, ALL_ROLES),
    ("superadmin", "admin"):                  (None, None, None, ALL_ROLES),
    ("superadmin", "other superadmin"):       (None, None, None, ALL_ROLES),
    ("other superadmin", "self"):             (None, SELF, SELF, ["superadmin"]),
    ("other superadmin", "first superuser"):  (None, FIRST, FIRST, ["superadmin"]),
    ("other superadmin", "user"):             (None, None, None, ALL_ROLES),
}
# fmt: on
NEW_ACCOUNT_ROLES: dict[Actor, list[str]] = {
    "user": [],
    "admin": ["user"],
    "superadmin": ALL_ROLES,
    "other superadmin": ALL_ROLES,
}


def verdict_of(reason: Verdict) -> dict[str, Any]:
    return {"allowed": reason is None, "refused_because": reason}


async def make_actor(actor: Actor, superadmin: User, make_user: UserFactory) -> User:
    if actor == "superadmin":
        return superadmin
    return await make_user(role=UserRole("superadmin" if actor == "other superadmin" else actor))


async def make_target(
    target: Target, actor: User, superadmin: User, make_user: UserFactory
) -> User:
    if target == "self":
        return actor
    if target == "first superuser":
        return superadmin
    return await make_user(role=UserRole("superadmin" if target == "other superadmin" else target))


def assert_refused(
    response: httpx.Response, reason: str, errors: dict[str, tuple[int, str]]
) -> None:
    assert_error(response, *errors[reason])


async def patch(
    client: httpx.AsyncClient, target: User, headers: dict[str, str], **changes: Any
) -> httpx.Response:
    return await client.patch(f"{USERS_URL}/{target.id}", json=changes, headers=headers)


@pytest.mark.parametrize(
    ("actor_kind", "target_kind"),
    [pytest.param(*case, id=" on ".join(case)) for case in EXPECTED],
)
async def test_the_listed_permissions_are_exactly_what_the_api_accepts(
    client: httpx.AsyncClient,
    superadmin: User,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    actor_kind: Actor,
    target_kind: Target,
) -> None:
    edit, change_access, delete, assignable_roles = EXPECTED[actor_kind, target_kind]
    actor = await make_actor(actor_kind, superadmin, make_user)
    target = await make_target(target_kind, actor, superadmin, make_user)
    headers = auth_headers(actor)

    permissions = (await read_ok(client, f"{USERS_URL}/{target.id}", headers))["permissions"]

    assert permissions == {
        "edit": verdict_of(edit),
        "change_access": verdict_of(change_access),
        "delete": verdict_of(delete),
        "assignable_roles": assignable_roles,
    }
    if actor.role.is_admin:
        listed = await read_ok(client, USERS_URL, headers, limit=100)
        [entry] = [item for item in listed["items"] if item["id"] == target.id]
        assert entry["permissions"] == permissions

    edited = await patch(client, target, headers, full_name="Edited")
    if edit is None:
        assert assert_ok(edited)["full_name"] == "Edited"
    else:
        assert_refused(edited, edit, ERRORS)

    for role in ALL_ROLES:
        response = await patch(client, target, headers, role=role)
        if role in assignable_roles:
            assert assert_ok(response)["role"] == role
            assert_ok(await patch(client, target, headers, role=target.role.value))
        else:
            assert response.status_code in {403, 409}, response.text
    current = await read_ok(client, f"{USERS_URL}/{target.id}", headers)
    assert current["role"] == target.role.value

    toggled = await patch(client, target, headers, is_active=not target.is_active)
    if change_access is None:
        assert assert_ok(toggled)["is_active"] is not target.is_active
        assert_ok(await patch(client, target, headers, is_active=target.is_active))
    else:
        assert_refused(toggled, change_access, ERRORS)

    deleted = await client.delete(f"{USERS_URL}/{target.id}", headers=headers)
    if delete is None:
        assert deleted.status_code == 204, deleted.text
    else:
        assert_refused(deleted, delete, DELETE_ERRORS)


@pytest.mark.parametrize("actor_kind", list(NEW_ACCOUNT_ROLES))
async def test_me_lists_exactly_the_roles_a_new_account_may_be_given(
    client: httpx.AsyncClient,
    superadmin: User,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    actor_kind: Actor,
) -> None:
    actor = await make_actor(actor_kind, superadmin, make_user)
    headers = auth_headers(actor)

    me = await read_ok(client, ME_URL, headers)

    assert me["new_account_roles"] == NEW_ACCOUNT_ROLES[actor_kind]
    assert (
        me["permissions"]
        == (await read_ok(client, f"{USERS_URL}/{actor.id}", headers))["permissions"]
    )
    for role in ALL_ROLES:
        response = await client.post(
            USERS_URL, json=new_account(f"new{role}", role=role), headers=headers
        )
        if role in me["new_account_roles"]:
            assert assert_ok(response, 201)["role"] == role
        elif actor.role.is_admin:
            assert_error(response, 403, "role_not_assignable")
        else:
            assert_error(response, 403, "admin_required")


async def test_a_superadmin_may_not_demote_or_deactivate_themselves(
    client: httpx.AsyncClient,
    superadmin: User,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
) -> None:
    """Not even a second superadmin, whom the first superuser's protection doesn't cover."""
    actor = await make_user(role=UserRole.SUPERADMIN)
    headers = auth_headers(actor)

    for changes in ({"role": "admin"}, {"role": "user"}, {"is_active": False}):
        assert_error(
            await patch(client, actor, headers, **changes),
            409,
            "cannot_change_own_access",
        )

    unchanged = await read_ok(client, ME_URL, headers)
    assert (unchanged["role"], unchanged["is_active"]) == ("superadmin", True)
    # Changes that leave the role and the active state as they are still go through.
    same = await patch(client, actor, headers, role="superadmin", is_active=True, full_name="Me")
    assert assert_ok(same)["full_name"] == "Me"
