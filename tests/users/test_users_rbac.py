"""Who may call which /api/users route, and what a user looks like on the wire.

The matrix puts every actor against every route. Each call also snapshots all users before
and after: a refused call must leave them exactly as they were.
"""

from dataclasses import dataclass
from typing import Any, Literal

import httpx
import pytest
from conftest import AuthHeaders, UserFactory
from fastapi import FastAPI
from helpers import (
    DEFAULT_PASSWORD,
    NEW_PASSWORD,
    USERS_URL,
    assert_error,
    assert_public_user,
    assert_unauthorized,
    new_account,
    read_ok,
)

from app.users.models import User, UserRole

Outcome = tuple[int, str | None]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    # Whose id fills `{id}` in the path, and whose account a 200 must describe.
    subject: Literal["actor", "other"] | None = None
    body: dict[str, Any] | None = None


ROUTES = {
    "GET /me": Route("GET", "/api/users/me", subject="actor"),
    "PATCH /me": Route("PATCH", "/api/users/me", subject="actor", body={"full_name": "New Me"}),
    "POST /me/password": Route(
        "POST",
        "/api/users/me/password",
        body={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD},
    ),
    "GET /users": Route("GET", "/api/users"),
    "POST /users": Route("POST", "/api/users", body=new_account()),
    "GET /users/{own id}": Route("GET", "/api/users/{id}", subject="actor"),
    "GET /users/{other id}": Route("GET", "/api/users/{id}", subject="other"),
    "PATCH /users/{other id}": Route(
        "PATCH", "/api/users/{id}", subject="other", body={"full_name": "Renamed"}
    ),
    "DELETE /users/{other id}": Route("DELETE", "/api/users/{id}", subject="other"),
}

OK: Outcome = (200, None)
CREATED: Outcome = (201, None)
NO_CONTENT: Outcome = (204, None)
ADMIN_REQUIRED: Outcome = (403, "admin_required")
HIDDEN: Outcome = (404, "user_not_found")

# The "other" account is always a plain `user`, which admins and superadmins may manage.
# fmt: off
MATRIX: list[tuple[str, Outcome, Outcome, Outcome]] = [
    # route                      user            admin       superadmin
    ("GET /me",                  OK,             OK,         OK),
    ("PATCH /me",                OK,             OK,         OK),
    ("POST /me/password",        NO_CONTENT,     NO_CONTENT, NO_CONTENT),
    ("GET /users",               ADMIN_REQUIRED, OK,         OK),
    ("POST /users",              ADMIN_REQUIRED, CREATED,    CREATED),
    ("GET /users/{own id}",      OK,             OK,         OK),
    ("GET /users/{other id}",    HIDDEN,         OK,         OK),
    ("PATCH /users/{other id}",  ADMIN_REQUIRED, OK,         OK),
    ("DELETE /users/{other id}", ADMIN_REQUIRED, NO_CONTENT, NO_CONTENT),
]
# fmt: on
ACTORS = (UserRole.USER, UserRole.ADMIN, UserRole.SUPERADMIN)
SIGNED_IN_CASES = [
    pytest.param(actor, route, outcome, id=f"{actor.value}-{route}")
    for route, *outcomes in MATRIX
    for actor, outcome in zip(ACTORS, outcomes, strict=True)
]


async def all_users(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (await read_ok(client, USERS_URL, headers, limit=100))["items"]
    return items


async def call(
    client: httpx.AsyncClient, route: Route, user_id: int, headers: dict[str, str]
) -> httpx.Response:
    return await client.request(
        route.method, route.path.format(id=user_id), json=route.body, headers=headers
    )


async def test_the_matrix_covers_every_users_route_the_app_serves(app: FastAPI) -> None:
    served = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/users")
        for method in operations
    }
    covered = {(spec.method, spec.path.replace("{id}", "{user_id}")) for spec in ROUTES.values()}

    assert served == covered
    assert [route for route, *_ in MATRIX] == list(ROUTES)


@pytest.mark.parametrize("route", ROUTES)
async def test_anonymous_callers_get_401_with_a_bearer_challenge_everywhere(
    client: httpx.AsyncClient,
    superadmin: User,
    user: User,
    auth_headers: AuthHeaders,
    route: str,
) -> None:
    before = await all_users(client, auth_headers(superadmin))

    response = await call(client, ROUTES[route], user.id, headers={})

    assert_unauthorized(response, "not_authenticated")
    assert await all_users(client, auth_headers(superadmin)) == before


@pytest.mark.parametrize("route", ROUTES)
async def test_a_malformed_bearer_token_gets_401_invalid_token_everywhere(
    client: httpx.AsyncClient, user: User, route: str
) -> None:
    response = await call(client, ROUTES[route], user.id, {"Authorization": "Bearer not-a-jwt"})

    assert_unauthorized(response, "invalid_token")


@pytest.mark.parametrize(("actor_role", "route", "outcome"), SIGNED_IN_CASES)
async def test_each_role_gets_the_matrix_outcome_on_each_route(
    client: httpx.AsyncClient,
    superadmin: User,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    actor_role: UserRole,
    route: str,
    outcome: Outcome,
) -> None:
    # The superadmin actor is the first superuser, which the snapshots also read through.
    actor = superadmin if actor_role is UserRole.SUPERADMIN else await make_user(role=actor_role)
    other = await make_user(role=UserRole.USER)
    spec = ROUTES[route]
    subject = actor if spec.subject == "actor" else other
    before = await all_users(client, auth_headers(superadmin))

    response = await call(client, spec, subject.id, auth_headers(actor))

    status, code = outcome
    assert response.status_code == status, response.text
    if code is not None:
        assert response.json()["code"] == code
        assert await all_users(client, auth_headers(superadmin)) == before
    elif spec.subject is not None and spec.method != "DELETE":
        assert response.json()["id"] == subject.id


async def test_a_user_gets_the_same_404_for_someone_else_as_for_nobody(
    client: httpx.AsyncClient, user: User, make_user: UserFactory, auth_headers: AuthHeaders
) -> None:
    other = await make_user(role=UserRole.USER)

    existing = await client.get(f"/api/users/{other.id}", headers=auth_headers(user))
    missing = await client.get(f"/api/users/{other.id + 1000}", headers=auth_headers(user))

    assert_error(existing, 404, "user_not_found")
    assert existing.json() == missing.json()


@pytest.mark.parametrize(
    "route", ["GET /me", "PATCH /me", "GET /users/{other id}", "PATCH /users/{other id}"]
)
async def test_single_user_responses_expose_exactly_the_public_fields(
    client: httpx.AsyncClient,
    superadmin: User,
    user: User,
    auth_headers: AuthHeaders,
    route: str,
) -> None:
    spec = ROUTES[route]
    subject = superadmin if spec.subject == "actor" else user

    response = await call(client, spec, subject.id, auth_headers(superadmin))

    assert response.status_code == 200, response.text
    assert_public_user(response.json(), current=route.endswith("/me"))


@pytest.mark.parametrize(
    ("path", "authenticated"), [("/api/users", True), ("/api/auth/register", False)]
)
async def test_created_users_expose_exactly_the_public_fields(
    client: httpx.AsyncClient,
    superadmin: User,
    auth_headers: AuthHeaders,
    path: str,
    authenticated: bool,
) -> None:
    headers = auth_headers(superadmin) if authenticated else {}

    response = await client.post(path, json=new_account("fresh"), headers=headers)

    assert response.status_code == 201, response.text
    assert_public_user(response.json())


async def test_list_items_expose_exactly_the_public_fields(
    client: httpx.AsyncClient,
    superadmin: User,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
) -> None:
    for role in UserRole:
        await make_user(role=role)

    items = await all_users(client, auth_headers(superadmin))

    assert len(items) == 4
    for item in items:
        assert_public_user(item)
