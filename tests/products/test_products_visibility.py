"""Who sees which products: users only active ones, whatever they ask for; admins all but
archived ones, unless they ask for archived ones by status; any of them by id."""

from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory, UserFactory
from helpers import assert_error, read_ok
from products_support import PRODUCTS_URL, product_url

from app.products.models import Product, ProductStatus
from app.users.models import User, UserRole

ADMINS = [UserRole.ADMIN, UserRole.SUPERADMIN]


@pytest.fixture
async def catalogue(make_product: ProductFactory) -> dict[ProductStatus, Product]:
    """One product in each status."""
    return {
        status: await make_product(name=f"Shown {status.value}", status=status)
        for status in ProductStatus
    }


async def listed(
    client: httpx.AsyncClient, viewer: User, auth_headers: AuthHeaders, **params: Any
) -> set[str]:
    page = await read_ok(client, PRODUCTS_URL, auth_headers(viewer), **params)
    assert page["total"] == len(page["items"])
    return {item["status"] for item in page["items"]}


# --- Lists ---


async def test_a_user_lists_only_active_products(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    catalogue: dict[ProductStatus, Product],
) -> None:
    assert await listed(client, user, auth_headers) == {"active"}


@pytest.mark.parametrize(
    ("status", "expected"), [("active", {"active"}), ("inactive", set()), ("archived", set())]
)
async def test_a_users_status_filter_cannot_widen_what_they_see(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    catalogue: dict[ProductStatus, Product],
    status: str,
    expected: set[str],
) -> None:
    assert await listed(client, user, auth_headers, status=status) == expected


async def test_a_user_cannot_find_a_hidden_product_by_searching_for_it(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    catalogue: dict[ProductStatus, Product],
) -> None:
    for status in (ProductStatus.INACTIVE, ProductStatus.ARCHIVED):
        hidden = catalogue[status]
        assert await listed(client, user, auth_headers, search=hidden.name) == set()
        assert await listed(client, user, auth_headers, search=hidden.sku) == set()


@pytest.mark.parametrize("role", ADMINS)
async def test_admins_list_all_but_archived_products_by_default(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    catalogue: dict[ProductStatus, Product],
    role: UserRole,
) -> None:
    admin = await make_user(role=role)

    assert await listed(client, admin, auth_headers) == {"active", "inactive"}


@pytest.mark.parametrize("role", ADMINS)
@pytest.mark.parametrize("status", list(ProductStatus))
async def test_admins_see_any_status_they_ask_for_archived_included(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    catalogue: dict[ProductStatus, Product],
    role: UserRole,
    status: ProductStatus,
) -> None:
    admin = await make_user(role=role)

    assert await listed(client, admin, auth_headers, status=status.value) == {status.value}


# --- Single products ---


async def test_a_user_reads_an_active_product(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    catalogue: dict[ProductStatus, Product],
) -> None:
    active = catalogue[ProductStatus.ACTIVE]

    body = await read_ok(client, product_url(active.id), auth_headers(user))

    assert (body["id"], body["name"], body["status"]) == (active.id, active.name, "active")


@pytest.mark.parametrize("status", [ProductStatus.INACTIVE, ProductStatus.ARCHIVED])
async def test_a_user_gets_the_same_404_for_a_hidden_product_as_for_none(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    catalogue: dict[ProductStatus, Product],
    status: ProductStatus,
) -> None:
    hidden = await client.get(product_url(catalogue[status].id), headers=auth_headers(user))
    missing = await client.get(product_url(2_147_483_647), headers=auth_headers(user))

    assert_error(hidden, 404, "product_not_found")
    assert hidden.json() == missing.json()


@pytest.mark.parametrize("role", ADMINS)
@pytest.mark.parametrize("status", list(ProductStatus))
async def test_admins_read_a_product_in_any_status(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    catalogue: dict[ProductStatus, Product],
    role: UserRole,
    status: ProductStatus,
) -> None:
    admin = await make_user(role=role)

    body = await read_ok(client, product_url(catalogue[status].id), auth_headers(admin))

    assert (body["id"], body["status"]) == (catalogue[status].id, status.value)


@pytest.mark.parametrize("role", ADMINS)
async def test_admins_get_404_for_a_product_that_does_not_exist(
    client: httpx.AsyncClient, make_user: UserFactory, auth_headers: AuthHeaders, role: UserRole
) -> None:
    admin = await make_user(role=role)

    response = await client.get(product_url(2_147_483_647), headers=auth_headers(admin))

    assert_error(response, 404, "product_not_found")


@pytest.mark.parametrize("product_id", ["0", "-1", "2147483648", "abc"])
async def test_an_id_that_cannot_name_a_row_is_422(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders, product_id: str
) -> None:
    response = await client.get(f"{PRODUCTS_URL}/{product_id}", headers=auth_headers(user))

    assert_error(response, 422, "validation_error")
