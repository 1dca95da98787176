"""Bodies no client should send: each gets a clear 4xx with `detail` and `code`, changes
nothing, and never reaches a 500."""

from typing import Any

import httpx
import pytest
from conftest import AuthHeaders
from helpers import (
    DEFAULT_PASSWORD,
    LOGIN_URL,
    USERS_URL,
    assert_error,
    new_account,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.users.models import User

JSON = {"Content-Type": "application/json"}
MEGABYTE = "x" * 1024 * 1024
# URLs stop far earlier (httpx at 64 KB, nginx at 8 KB with a 414).
LONG_QUERY = "x" * 60_000


async def user_count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(User)) or 0


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"username": "\xff\xfe", "password": "x"}', 400, "bad_request"),
        (b"\xc3\x28", 400, "bad_request"),
        # A lone surrogate in UTF-8 form: Python's JSON reader lets it through, pydantic not.
        (b'{"username": "a\xed\xa0\x80", "password": "x"}', 422, "validation_error"),
    ],
    ids=["latin-1-in-json", "truncated-sequence", "surrogate"],
)
async def test_a_body_that_is_not_utf8_is_a_clear_4xx(
    client: httpx.AsyncClient, body: bytes, status: int, code: str
) -> None:
    response = await client.post(LOGIN_URL, content=body, headers=JSON)

    assert isinstance(assert_error(response, status, code)["detail"], str | list)


async def test_a_key_given_twice_is_a_422_and_creates_nothing(
    client: httpx.AsyncClient, session: AsyncSession, admin: User, auth_headers: AuthHeaders
) -> None:
    """Which `role` counts would depend on the parser; the API takes neither."""
    before = await user_count(session)
    account = new_account("twice")
    fields = ", ".join(f'"{key}": "{value}"' for key, value in account.items())
    body = f'{{{fields}, "role": "user", "role": "superadmin"}}'

    response = await client.post(USERS_URL, content=body, headers=JSON | auth_headers(admin))

    [error] = assert_error(response, 422, "validation_error")["detail"]
    assert error["type"] == "json_invalid"
    assert error["ctx"] == {"error": "Duplicate keys: role"}
    assert await user_count(session) == before


@pytest.mark.parametrize(
    "body",
    [
        "[" * 10_000 + "]" * 10_000,
        "[" * 100_000 + "]" * 100_000,
        '{"a":' * 10_000 + "1" + "}" * 10_000,
    ],
    ids=["10k-arrays", "100k-arrays", "10k-objects"],
)
async def test_deeply_nested_json_is_a_400_not_a_crash(
    client: httpx.AsyncClient, body: str
) -> None:
    response = await client.post(LOGIN_URL, content=body, headers=JSON)

    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("text/plain", "json"),
        ("application/x-www-form-urlencoded", "form"),
        ("application/xml", "json"),
        (None, "json"),
    ],
)
async def test_the_right_credentials_in_the_wrong_content_type_are_a_422(
    client: httpx.AsyncClient, user: User, content_type: str | None, content: str
) -> None:
    credentials = {"username": user.username, "password": DEFAULT_PASSWORD}
    body = (
        httpx.QueryParams(credentials).__str__()
        if content == "form"
        else f'{{"username": "{user.username}", "password": "{DEFAULT_PASSWORD}"}}'
    )
    headers = {} if content_type is None else {"Content-Type": content_type}

    response = await client.post(LOGIN_URL, content=body, headers=headers)

    [error] = assert_error(response, 422, "validation_error")["detail"]
    assert error["loc"] == ["body"]
    assert "set-cookie" not in response.headers


# (method, path, who calls, body or query, where the 422 points)
HUGE_STRINGS: list[tuple[str, str, str, dict[str, Any], list[str]]] = [
    ("POST", LOGIN_URL, "nobody", {"username": MEGABYTE, "password": "x"}, ["body", "username"]),
    ("POST", LOGIN_URL, "nobody", {"username": "a", "password": MEGABYTE}, ["body", "password"]),
    (
        "POST",
        "/api/auth/register",
        "nobody",
        new_account("mega", full_name=MEGABYTE),
        ["body", "full_name"],
    ),
    ("PATCH", "/api/users/me", "user", {"full_name": MEGABYTE}, ["body", "full_name"]),
    (
        "POST",
        "/api/products",
        "admin",
        {
            "name": "Big",
            "sku": "BIG-1",
            "price": "1.00",
            "stock_quantity": 1,
            "description": MEGABYTE,
        },
        ["body", "description"],
    ),
    (
        "POST",
        "/api/orders",
        "user",
        {"items": [{"product_id": 1, "quantity": 1}], "note": MEGABYTE},
        ["body", "note"],
    ),
    ("GET", "/api/products", "user", {"search": LONG_QUERY}, ["query", "search"]),
    ("GET", USERS_URL, "admin", {"search": LONG_QUERY}, ["query", "search"]),
]


@pytest.mark.parametrize(
    ("method", "path", "caller", "payload", "loc"),
    HUGE_STRINGS,
    ids=[f"{method} {path} {loc[-1]}" for method, path, _, _, loc in HUGE_STRINGS],
)
async def test_a_huge_string_is_a_422_naming_the_field(
    client: httpx.AsyncClient,
    session: AsyncSession,
    user: User,
    admin: User,
    auth_headers: AuthHeaders,
    method: str,
    path: str,
    caller: str,
    payload: dict[str, Any],
    loc: list[str],
) -> None:
    headers = {"nobody": {}, "user": auth_headers(user), "admin": auth_headers(admin)}[caller]
    before = await user_count(session)
    if method == "GET":
        response = await client.get(path, params=payload, headers=headers)
    else:
        response = await client.request(method, path, json=payload, headers=headers)

    [error] = assert_error(response, 422, "validation_error")["detail"]
    assert error["loc"] == loc
    assert error["type"] == "string_too_long"
    assert LONG_QUERY not in response.text
    assert await user_count(session) == before


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/products/1", "DELETE, GET, PATCH"),
        ("PUT", "/api/products", "GET, POST"),
        ("GET", LOGIN_URL, "POST"),
        ("DELETE", "/api/orders/1/cancel", "POST"),
        # A fixed segment beside an id is not an id: no GET of an order named bulk-status.
        ("GET", "/api/orders/bulk-status", "POST"),
        ("OPTIONS", "/api/orders/bulk-status", "POST"),
        ("POST", "/api/orders/export.csv", "GET"),
        ("DELETE", "/api/products/export.csv", "GET"),
        ("PATCH", "/api/products/import", "POST"),
    ],
)
async def test_a_405_allows_every_method_the_path_serves(
    client: httpx.AsyncClient, method: str, path: str, allowed: str
) -> None:
    """Starlette named only the first route's method (`GET` for `/api/products/1`)."""
    response = await client.request(method, path)

    assert_error(response, 405, "method_not_allowed")
    assert response.headers["Allow"] == allowed
