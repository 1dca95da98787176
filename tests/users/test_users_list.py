"""GET /api/users: the page envelope, search, filters, sorting and pagination.

Every user a test creates shares one `created_at` (PostgreSQL's now() is the transaction's
start, and each test is one transaction), so sorting on it exercises the id tiebreaker.
"""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, UserFactory
from helpers import USERS_URL, assert_error, read_ok

from app.users.models import User, UserRole

# Usernames and emails of one length in [a-z0-9] sort the same under any collation, and the
# three orders differ: by username, by email and by id (creation order).
SORTABLE = [("srtc", "mb"), ("srta", "md"), ("srtd", "ma"), ("srtb", "mc"), ("srte", "me")]
SORT_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "username": lambda item: item["username"],
    "email": lambda item: item["email"],
    "created_at": lambda item: item["id"],
}
ALL_SORTS = [*SORT_KEYS, *(f"-{key}" for key in SORT_KEYS)]

ListUsers = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
async def list_users(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders
) -> ListUsers:
    """GET /api/users as an admin with these query parameters; the page, once it is a 200."""

    async def fetch(**params: Any) -> dict[str, Any]:
        return await read_ok(client, USERS_URL, auth_headers(admin), **params)

    return fetch


def usernames(page: dict[str, Any]) -> list[str]:
    return [item["username"] for item in page["items"]]


@pytest.fixture
async def sortable(make_user: UserFactory) -> list[User]:
    return [
        await make_user(username=name, email=f"{local}@sort.example") for name, local in SORTABLE
    ]


async def test_the_page_envelope_defaults_to_20_from_offset_0(
    make_user: UserFactory, list_users: ListUsers
) -> None:
    for number in range(21):
        await make_user(username=f"bulk{number:02}")

    page = await list_users(search="bulk")

    assert set(page) == {"items", "total", "total_capped", "limit", "offset", "next_cursor"}
    assert (page["limit"], page["offset"], page["total"]) == (20, 0, 21)
    assert len(page["items"]) == 20


async def test_the_page_echoes_the_limit_and_offset_it_used(
    make_user: UserFactory, list_users: ListUsers
) -> None:
    for number in range(5):
        await make_user(username=f"bulk{number}")

    page = await list_users(search="bulk", limit=2, offset=4)

    assert (page["limit"], page["offset"], page["total"]) == (2, 4, 5)
    assert len(page["items"]) == 1


async def test_limit_100_is_allowed(list_users: ListUsers) -> None:
    assert (await list_users(limit=100))["limit"] == 100


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": -1},
        {"offset": -1},
        # Past PostgreSQL's bigint OFFSET: was a 500.
        {"offset": 3482544027514267544584192},
        {"offset": 2_147_483_648},
        {"limit": 10**30},
        {"limit": "ten"},
        {"sort": "password"},
        {"sort": "hashed_password"},
        {"sort": "id; drop table users"},
        {"sort": "--username"},
        {"role": "owner"},
        {"is_active": "maybe"},
        {"search": "x" * 101},
    ],
    ids=str,
)
async def test_invalid_query_parameters_are_422(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders, params: dict[str, Any]
) -> None:
    response = await client.get("/api/users", params=params, headers=auth_headers(admin))

    assert_error(response, 422, "validation_error")
    assert isinstance(response.json()["detail"], list)


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param("mixed", {"MixedCase"}, id="username-lower-term"),
        pytest.param("XEDCA", {"MixedCase"}, id="username-upper-term"),
        pytest.param("needle", {"plain", "Needler"}, id="username-or-email"),
        pytest.param("NEEDLE.EXAMPLE", {"plain"}, id="email-upper-term"),
        pytest.param("nobody-has-this", set(), id="no-match"),
    ],
)
async def test_search_matches_a_substring_of_username_or_email_in_any_case(
    make_user: UserFactory, list_users: ListUsers, term: str, expected: set[str]
) -> None:
    await make_user(username="MixedCase", email="mc@example.com")
    await make_user(username="plain", email="plain@needle.example")
    await make_user(username="Needler", email="nr@example.com")
    await make_user(username="bystander", email="by@example.com")

    page = await list_users(search=term)

    assert set(usernames(page)) == expected
    assert page["total"] == len(expected)


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param("a_b", {"a_b"}, id="underscore-is-not-any-character"),
        pytest.param("_", {"a_b"}, id="lone-underscore"),
        pytest.param("%", set(), id="percent-is-not-anything"),
        pytest.param("a%b", set(), id="percent-between"),
        pytest.param("\\", set(), id="backslash"),
        pytest.param("%_", set(), id="percent-underscore"),
        pytest.param("' OR '1'='1", set(), id="or-true"),
        pytest.param("'; DROP TABLE users; --", set(), id="drop-table"),
    ],
)
async def test_search_wildcards_are_literal(
    make_user: UserFactory, list_users: ListUsers, term: str, expected: set[str]
) -> None:
    await make_user(username="a_b", email="ab@example.com")
    await make_user(username="axb", email="axb@example.com")
    await make_user(username="aab", email="aab@example.com")

    page = await list_users(search=term)

    assert set(usernames(page)) == expected
    assert page["total"] == len(expected)


@pytest.mark.parametrize("role", list(UserRole))
async def test_role_filter_returns_only_that_role(
    make_user: UserFactory, list_users: ListUsers, role: UserRole
) -> None:
    created = {each: await make_user(role=each, username=f"flt{each.value}") for each in UserRole}

    page = await list_users(role=role.value, search="flt")

    assert usernames(page) == [created[role].username]
    assert page["total"] == 1


@pytest.mark.parametrize("is_active", [True, False])
async def test_is_active_filter_returns_only_matching_accounts(
    make_user: UserFactory, list_users: ListUsers, is_active: bool
) -> None:
    await make_user(username="fltawake1")
    await make_user(username="fltawake2")
    await make_user(username="fltasleep", is_active=False)

    page = await list_users(is_active=str(is_active).lower(), search="flt")

    expected = {"fltawake1", "fltawake2"} if is_active else {"fltasleep"}
    assert set(usernames(page)) == expected
    assert all(item["is_active"] is is_active for item in page["items"])


async def test_filters_combine(make_user: UserFactory, list_users: ListUsers) -> None:
    await make_user(username="fltadminon", role=UserRole.ADMIN)
    await make_user(username="fltadminoff", role=UserRole.ADMIN, is_active=False)
    await make_user(username="fltuseroff", is_active=False)

    page = await list_users(role="admin", is_active="false", search="flt")

    assert usernames(page) == ["fltadminoff"]


@pytest.mark.parametrize("sort", ALL_SORTS)
async def test_sort_orders_by_the_column_with_id_breaking_ties(
    sortable: list[User], list_users: ListUsers, sort: str
) -> None:
    page = await list_users(sort=sort, search="srt")

    items = page["items"]
    key = SORT_KEYS[sort.removeprefix("-")]
    expected = sorted(items, key=key, reverse=sort.startswith("-"))
    assert [item["id"] for item in items] == [item["id"] for item in expected]
    assert len(items) == len(SORTABLE)


async def test_all_test_users_share_created_at_so_its_sort_is_by_id(
    sortable: list[User], list_users: ListUsers
) -> None:
    items = (await list_users(sort="created_at", search="srt"))["items"]

    assert len({item["created_at"] for item in items}) == 1
    assert [item["id"] for item in items] == sorted(user.id for user in sortable)


async def test_default_sort_is_newest_first(sortable: list[User], list_users: ListUsers) -> None:
    default = await list_users(search="srt")
    newest_first = await list_users(search="srt", sort="-created_at")

    assert default == newest_first
    assert [item["id"] for item in default["items"]] == sorted(
        (user.id for user in sortable), reverse=True
    )


@pytest.mark.parametrize("sort", ALL_SORTS)
async def test_pages_are_disjoint_and_together_cover_every_match(
    sortable: list[User], list_users: ListUsers, sort: str
) -> None:
    everything = [item["id"] for item in (await list_users(sort=sort, search="srt"))["items"]]

    paged: list[int] = []
    for offset in range(0, len(SORTABLE) + 2, 2):
        page = await list_users(sort=sort, search="srt", limit=2, offset=offset)
        assert page["total"] == len(SORTABLE)
        assert len(page["items"]) == len(everything[offset : offset + 2])
        paged.extend(item["id"] for item in page["items"])

    assert paged == everything
    assert sorted(paged) == sorted(user.id for user in sortable)


async def test_an_offset_past_the_end_is_an_empty_page_with_the_true_total(
    sortable: list[User], list_users: ListUsers
) -> None:
    page = await list_users(search="srt", offset=50)

    assert page["items"] == []
    assert page["total"] == len(SORTABLE)
