"""Your default shipping address, on /api/users/me: kept, replaced, cleared, validated."""

import httpx
import pytest
from conftest import AuthHeaders, UserFactory
from helpers import ME_URL, assert_error, assert_ok, read_ok

from app.core.addresses import EXAMPLE_ADDRESS
from app.users.models import User, UserRole

HOME = {
    "recipient": "Wei Zhang",
    "phone": "+86 138 0013 8000",
    "line1": "16 Nanjing West Road",
    "line2": None,
    "city": "Shanghai",
    "region": None,
    "postal_code": "200041",
    "country": "CN",
}


async def test_a_new_account_has_no_default_address(
    client: httpx.AsyncClient, make_user: UserFactory, auth_headers: AuthHeaders
) -> None:
    customer = await make_user(default_shipping_address=None)

    me = await read_ok(client, ME_URL, auth_headers(customer))

    assert me["default_shipping_address"] is None


@pytest.mark.parametrize("role", list(UserRole))
async def test_anyone_sets_their_default_address_and_reads_it_back(
    client: httpx.AsyncClient, make_user: UserFactory, auth_headers: AuthHeaders, role: UserRole
) -> None:
    account = await make_user(role=role)
    headers = auth_headers(account)

    changed = assert_ok(
        await client.patch(ME_URL, json={"default_shipping_address": HOME}, headers=headers)
    )

    assert changed["default_shipping_address"] == HOME
    assert (await read_ok(client, ME_URL, headers))["default_shipping_address"] == HOME


async def test_null_clears_the_default_address_and_leaving_it_out_keeps_it(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders
) -> None:
    headers = auth_headers(user)

    kept = assert_ok(await client.patch(ME_URL, json={"full_name": "Wei"}, headers=headers))
    cleared = assert_ok(
        await client.patch(ME_URL, json={"default_shipping_address": None}, headers=headers)
    )

    assert kept["default_shipping_address"] == EXAMPLE_ADDRESS
    assert cleared["default_shipping_address"] is None
    assert (await read_ok(client, ME_URL, headers))["default_shipping_address"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [({"country": "ZZ"}, "country"), ({"phone": "12-34"}, "phone"), ({"city": " "}, "city")],
)
async def test_a_bad_default_address_is_a_422_and_changes_nothing(
    client: httpx.AsyncClient,
    user: User,
    auth_headers: AuthHeaders,
    change: dict[str, str],
    field: str,
) -> None:
    headers = auth_headers(user)

    response = await client.patch(
        ME_URL, json={"default_shipping_address": HOME | change}, headers=headers
    )

    body = assert_error(response, 422, "validation_error")
    assert [error["loc"] for error in body["detail"]] == [
        ["body", "default_shipping_address", field]
    ]
    assert (await read_ok(client, ME_URL, headers))["default_shipping_address"] == EXAMPLE_ADDRESS


async def test_admins_neither_see_nor_set_someone_elses_default_address(
    client: httpx.AsyncClient, superadmin: User, user: User, auth_headers: AuthHeaders
) -> None:
    headers = auth_headers(superadmin)

    seen = await read_ok(client, f"/api/users/{user.id}", headers)
    response = await client.patch(
        f"/api/users/{user.id}", json={"default_shipping_address": HOME}, headers=headers
    )

    assert "default_shipping_address" not in seen
    body = assert_error(response, 422, "validation_error")
    assert body["detail"][0]["loc"] == ["body", "default_shipping_address"]
    me = await read_ok(client, ME_URL, auth_headers(user))
    assert me["default_shipping_address"] == EXAMPLE_ADDRESS
