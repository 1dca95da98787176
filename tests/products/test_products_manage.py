"""Admins managing the catalogue: POST /api/products, PATCH and DELETE /api/products/{id}.

Money is Decimal end to end: in, a JSON number or string with at most two decimals; stored
as NUMERIC(12, 2); out, a string with exactly two decimals.
"""

import re
from decimal import Decimal
from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory
from fastapi import FastAPI
from helpers import assert_error, assert_ok, count_statements, read_ok
from products_support import (
    PRODUCT_FIELDS,
    PRODUCTS_URL,
    new_product,
    product_url,
    stored_product,
    stored_products,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.orders.models import Order, OrderItem
from app.products.models import Product, ProductStatus
from app.users.models import User

NUL = "\x00"


async def create(
    client: httpx.AsyncClient, headers: dict[str, str], body: dict[str, Any]
) -> httpx.Response:
    return await client.post(PRODUCTS_URL, json=body, headers=headers)


async def order_line_for(session: AsyncSession, customer: User, product: Product) -> OrderItem:
    """An order of `product` by `customer`, written straight to the database."""
    item = OrderItem(
        product_id=product.id,
        product_name=product.name,
        sku=product.sku,
        unit_price=product.price,
        quantity=1,
        line_total=product.price,
    )
    session.add(Order(user_id=customer.id, total_amount=product.price, items=[item]))
    await session.commit()
    return item


# --- POST /api/products ---


async def test_admin_creates_a_product_that_reads_back_the_same(
    client: httpx.AsyncClient, session: AsyncSession, admin: User, auth_headers: AuthHeaders
) -> None:
    body = new_product(
        "LAMP-01", name="Desk lamp", description="Warm light", price="19.90", stock_quantity=7
    )

    response = await create(client, auth_headers(admin), body)

    created = assert_ok(response, 201)
    assert set(created) == PRODUCT_FIELDS
    assert {key: created[key] for key in body} == body
    assert created["status"] == "active"
    assert await read_ok(client, product_url(created["id"]), auth_headers(admin)) == created
    row = await stored_product(session, created["id"])
    assert row is not None
    assert (row.price, row.stock_quantity, row.status) == (Decimal("19.90"), 7, "active")


async def test_description_and_status_are_optional(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders
) -> None:
    body = {"name": "Bare", "sku": "BARE", "price": 1, "stock_quantity": 0}

    created = assert_ok(await create(client, auth_headers(admin), body), 201)

    assert (created["description"], created["status"]) == (None, "active")


@pytest.mark.parametrize("status", list(ProductStatus))
async def test_a_product_may_be_created_in_any_status(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders, status: ProductStatus
) -> None:
    response = await create(client, auth_headers(admin), new_product(status=status.value))

    assert assert_ok(response, 201)["status"] == status.value


@pytest.mark.parametrize(
    ("price", "shown"),
    [
        pytest.param("19.9", "19.90", id="string-one-decimal"),
        pytest.param(19.9, "19.90", id="number-one-decimal"),
        pytest.param("19.90", "19.90", id="string-two-decimals"),
        pytest.param(19.99, "19.99", id="number-two-decimals"),
        pytest.param(19, "19.00", id="integer"),
        pytest.param("19", "19.00", id="string-integer"),
        pytest.param("0.01", "0.01", id="smallest"),
        pytest.param("9999999999.99", "9999999999.99", id="largest"),
    ],
)
async def test_prices_are_accepted_as_numbers_or_strings_and_shown_with_two_decimals(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    auth_headers: AuthHeaders,
    price: Any,
    shown: str,
) -> None:
    created = assert_ok(await create(client, auth_headers(admin), new_product(price=price)), 201)

    assert created["price"] == shown
    read = await read_ok(client, product_url(created["id"]), auth_headers(admin))
    assert read["price"] == shown
    row = await stored_product(session, created["id"])
    assert row is not None
    assert row.price == Decimal(shown)


@pytest.mark.parametrize(
    "price",
    [
        pytest.param("19.999", id="three-decimals"),
        pytest.param(19.999, id="number-three-decimals"),
        pytest.param("0.001", id="tiny"),
        pytest.param(0, id="zero"),
        pytest.param("0", id="string-zero"),
        pytest.param("0.00", id="zero-two-decimals"),
        pytest.param(-1, id="negative"),
        pytest.param("-1", id="string-negative"),
        pytest.param("-0.01", id="negative-cent"),
        pytest.param("10000000000.00", id="too-large"),
        pytest.param("NaN", id="nan"),
        pytest.param("Infinity", id="infinity"),
        pytest.param("19,90", id="comma"),
        # Not in the documented pattern, which can't bound an exponent's digits.
        pytest.param("1E+2", id="exponent"),
        pytest.param("cheap", id="word"),
        pytest.param(True, id="boolean"),
        pytest.param(None, id="null"),
        pytest.param({"amount": 1}, id="object"),
    ],
)
async def test_an_invalid_price_is_422_and_creates_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    auth_headers: AuthHeaders,
    price: Any,
) -> None:
    response = await create(client, auth_headers(admin), new_product(price=price))

    body = assert_error(response, 422, "validation_error")
    assert [error["loc"] for error in body["detail"]] == [["body", "price"]]
    assert await stored_products(session) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "   "),
        ("name", "n" * 201),
        ("name", f"Lamp{NUL}"),
        ("name", None),
        ("sku", ""),
        ("sku", "HAS SPACE"),
        ("sku", "SKU/1"),
        ("sku", "SKÜ-1"),
        ("sku", "S" * 65),
        ("sku", None),
        ("description", "d" * 5001),
        ("description", f"Bad{NUL}byte"),
        ("stock_quantity", -1),
        ("stock_quantity", 2_147_483_648),
        ("stock_quantity", 1.5),
        ("stock_quantity", "5"),
        ("stock_quantity", True),
        ("stock_quantity", None),
        ("status", "deleted"),
        ("status", None),
    ],
    ids=lambda value: repr(value)[:20],
)
async def test_an_invalid_field_is_422_and_creates_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    auth_headers: AuthHeaders,
    field: str,
    value: Any,
) -> None:
    response = await create(client, auth_headers(admin), new_product(**{field: value}))

    body = assert_error(response, 422, "validation_error")
    assert [error["loc"] for error in body["detail"]] == [["body", field]]
    assert await stored_products(session) == []


@pytest.mark.parametrize("field", ["name", "sku", "price", "stock_quantity"])
async def test_a_missing_required_field_is_422(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    auth_headers: AuthHeaders,
    field: str,
) -> None:
    body = new_product()
    del body[field]

    response = await create(client, auth_headers(admin), body)

    assert_error(response, 422, "validation_error")
    assert await stored_products(session) == []


@pytest.mark.parametrize(
    "extra",
    [{"id": 1}, {"created_at": "2020-01-01T00:00:00Z"}, {"updated_at": None}, {"colour": "red"}],
    ids=str,
)
async def test_creating_with_an_unknown_field_is_422(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    auth_headers: AuthHeaders,
    extra: dict[str, Any],
) -> None:
    response = await create(client, auth_headers(admin), new_product(**extra))

    assert_error(response, 422, "validation_error")
    assert await stored_products(session) == []


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("name", "  Padded name  ", "Padded name"),
        ("name", "n" * 200, "n" * 200),
        ("sku", " PADDED-1 ", "PADDED-1"),
        ("sku", "a.B_c-9", "a.B_c-9"),
        ("sku", "S" * 64, "S" * 64),
        ("description", "d" * 5000, "d" * 5000),
        ("description", "", ""),
        ("stock_quantity", 0, 0),
        ("stock_quantity", 2_147_483_647, 2_147_483_647),
    ],
    ids=lambda value: repr(value)[:20],
)
async def test_the_edges_of_each_field_are_accepted(
    client: httpx.AsyncClient,
    admin: User,
    auth_headers: AuthHeaders,
    field: str,
    value: Any,
    stored: Any,
) -> None:
    response = await create(client, auth_headers(admin), new_product(**{field: value}))

    assert assert_ok(response, 201)[field] == stored


@pytest.mark.parametrize("spelling", ["LAMP-01", "lamp-01", "Lamp-01"])
async def test_creating_a_duplicate_sku_in_any_case_is_409(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    spelling: str,
) -> None:
    await make_product(sku="LAMP-01")
    before = await stored_products(session)

    response = await create(client, auth_headers(admin), new_product(spelling))

    assert_error(response, 409, "sku_taken")
    assert await stored_products(session) == before


async def test_a_sku_that_only_shares_a_prefix_is_free(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders, make_product: ProductFactory
) -> None:
    await make_product(sku="LAMP-01")

    response = await create(client, auth_headers(admin), new_product("LAMP-011"))

    assert response.status_code == 201, response.text


# --- PATCH /api/products/{id} ---


@pytest.mark.parametrize(
    ("changes", "shown"),
    [
        ({"name": "Renamed"}, {"name": "Renamed"}),
        ({"name": "  Trimmed  "}, {"name": "Trimmed"}),
        ({"sku": "NEW-SKU"}, {"sku": "NEW-SKU"}),
        ({"description": "Now described"}, {"description": "Now described"}),
        ({"description": None}, {"description": None}),
        ({"price": "7.5"}, {"price": "7.50"}),
        ({"price": 7.25}, {"price": "7.25"}),
        ({"status": "inactive"}, {"status": "inactive"}),
        ({"status": "archived"}, {"status": "archived"}),
        (
            {"name": "All", "sku": "ALL-1", "price": "1.00", "status": "inactive"},
            {"name": "All", "sku": "ALL-1", "price": "1.00", "status": "inactive"},
        ),
    ],
    ids=str,
)
async def test_admin_changes_the_fields_it_sends_and_only_those(
    client: httpx.AsyncClient,
    admin: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    changes: dict[str, Any],
    shown: dict[str, Any],
) -> None:
    product = await make_product(description="Old description", price="3.00")
    before = await read_ok(client, product_url(product.id), auth_headers(admin))

    response = await client.patch(
        product_url(product.id), json=changes, headers=auth_headers(admin)
    )

    updated = assert_ok(response)
    assert updated == before | shown
    assert await read_ok(client, product_url(product.id), auth_headers(admin)) == updated


async def test_an_empty_patch_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
) -> None:
    product = await make_product()
    before = await stored_products(session)

    response = await client.patch(product_url(product.id), json={}, headers=auth_headers(admin))

    assert assert_ok(response)["id"] == product.id
    assert await stored_products(session) == before


@pytest.mark.parametrize(
    "changes",
    [
        {"stock_quantity": 50},
        {"id": 99},
        {"created_at": "2020-01-01T00:00:00Z"},
        {"name": None},
        {"sku": None},
        {"price": None},
        {"status": None},
        {"name": ""},
        {"sku": "bad sku"},
        {"price": "0"},
        {"price": "1.001"},
        {"status": "deleted"},
        {"description": "d" * 5001},
    ],
    ids=str,
)
async def test_an_invalid_patch_is_422_and_changes_nothing(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    changes: dict[str, Any],
) -> None:
    product = await make_product(stock_quantity=10)
    before = await stored_products(session)

    response = await client.patch(
        product_url(product.id), json=changes, headers=auth_headers(admin)
    )

    assert_error(response, 422, "validation_error")
    assert await stored_products(session) == before


async def test_an_explicit_null_says_it_may_be_left_out_but_not_null(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders, make_product: ProductFactory
) -> None:
    product = await make_product()

    response = await client.patch(
        product_url(product.id), json={"price": None}, headers=auth_headers(admin)
    )

    body = assert_error(response, 422, "validation_error")
    assert [(error["loc"], error["type"]) for error in body["detail"]] == [
        (["body", "price"], "null_not_allowed")
    ]


async def test_a_patch_never_writes_the_stock_so_it_cannot_race_an_order(
    client: httpx.AsyncClient,
    engine: AsyncEngine,
    admin: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
) -> None:
    product = await make_product()
    changes = {"name": "Renamed", "sku": "RENAMED", "price": "2.00", "status": "inactive"}

    with count_statements(engine) as statements:
        response = await client.patch(
            product_url(product.id), json=changes, headers=auth_headers(admin)
        )

    assert_ok(response)
    updates = [sql for sql in statements if sql.lstrip().upper().startswith("UPDATE PRODUCTS")]
    assert len(updates) == 1
    assert "stock_quantity" not in updates[0]


@pytest.mark.parametrize("spelling", ["TAKEN-1", "taken-1"])
async def test_patching_to_another_products_sku_in_any_case_is_409(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    spelling: str,
) -> None:
    await make_product(sku="TAKEN-1")
    product = await make_product(sku="MINE-1")
    before = await stored_products(session)

    response = await client.patch(
        product_url(product.id), json={"sku": spelling, "name": "X"}, headers=auth_headers(admin)
    )

    assert_error(response, 409, "sku_taken")
    assert await stored_products(session) == before


@pytest.mark.parametrize("spelling", ["MINE-1", "mine-1"])
async def test_a_product_may_keep_or_recase_its_own_sku(
    client: httpx.AsyncClient,
    admin: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    spelling: str,
) -> None:
    product = await make_product(sku="MINE-1")

    response = await client.patch(
        product_url(product.id), json={"sku": spelling}, headers=auth_headers(admin)
    )

    assert assert_ok(response)["sku"] == spelling


async def test_patching_a_product_that_does_not_exist_is_404(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders
) -> None:
    response = await client.patch(
        product_url(2_147_483_647), json={"name": "Ghost"}, headers=auth_headers(admin)
    )

    assert_error(response, 404, "product_not_found")


# --- DELETE /api/products/{id} ---


async def test_deleting_a_product_no_order_references_removes_it(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
) -> None:
    product = await make_product(sku="GONE-1")
    kept = await make_product()

    response = await client.delete(product_url(product.id), headers=auth_headers(admin))

    assert response.status_code == 204, response.text
    assert response.content == b""
    assert_error(
        await client.get(product_url(product.id), headers=auth_headers(admin)),
        404,
        "product_not_found",
    )
    assert [row.id for row in await stored_products(session)] == [kept.id]
    # Its SKU is free again.
    recreated = await create(client, auth_headers(admin), new_product("GONE-1"))
    assert recreated.status_code == 201, recreated.text


@pytest.mark.parametrize("status", list(ProductStatus))
async def test_deleting_a_product_an_order_references_archives_it_instead(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    user: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
    status: ProductStatus,
) -> None:
    product = await make_product(name="Ordered", price="4.20", status=status)
    line = await order_line_for(session, user, product)

    response = await client.delete(product_url(product.id), headers=auth_headers(admin))

    assert response.status_code == 204, response.text
    shown = await read_ok(client, product_url(product.id), auth_headers(admin))
    assert (shown["status"], shown["name"], shown["price"]) == ("archived", "Ordered", "4.20")
    listed = await read_ok(client, PRODUCTS_URL, auth_headers(admin))
    assert product.id not in [item["id"] for item in listed["items"]]
    row = await stored_product(session, product.id)
    assert row is not None
    assert row.status == "archived"
    await session.refresh(line)
    assert (line.product_id, line.product_name, line.unit_price) == (
        product.id,
        "Ordered",
        Decimal("4.20"),
    )


async def test_deleting_a_referenced_product_twice_keeps_it_archived(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    user: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
) -> None:
    product = await make_product()
    await order_line_for(session, user, product)

    first = await client.delete(product_url(product.id), headers=auth_headers(admin))
    second = await client.delete(product_url(product.id), headers=auth_headers(admin))

    assert (first.status_code, second.status_code) == (204, 204)
    row = await stored_product(session, product.id)
    assert row is not None
    assert row.status == "archived"


async def test_an_ordered_product_is_archived_and_others_deleted_independently(
    client: httpx.AsyncClient,
    session: AsyncSession,
    admin: User,
    user: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
) -> None:
    ordered = await make_product()
    unordered = await make_product()
    await order_line_for(session, user, ordered)

    for product in (ordered, unordered):
        response = await client.delete(product_url(product.id), headers=auth_headers(admin))
        assert response.status_code == 204, response.text

    rows = await stored_products(session)
    assert [(row.id, row.status) for row in rows] == [(ordered.id, "archived")]


async def test_deleting_a_product_that_does_not_exist_is_404(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders, make_product: ProductFactory
) -> None:
    product = await make_product()
    assert (await client.delete(product_url(product.id), headers=auth_headers(admin))).is_success

    again = await client.delete(product_url(product.id), headers=auth_headers(admin))
    never = await client.delete(product_url(2_147_483_647), headers=auth_headers(admin))

    assert_error(again, 404, "product_not_found")
    assert_error(never, 404, "product_not_found")


@pytest.mark.parametrize(
    "price",
    [
        *("0.01", "0.5", "19.9", "19.90", "9999999999.99", "1"),
        *("0", "0.00", "1.234", "-1", "1e3", "10000000000", "abc", ""),
    ],
)
async def test_the_documented_price_pattern_is_what_the_server_accepts(
    app: FastAPI, client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders, price: str
) -> None:
    """Pydantic documented any string as a price; the schema now says which ones."""
    schema = app.openapi()["components"]["schemas"]["ProductCreate"]["properties"]["price"]
    [pattern] = [variant["pattern"] for variant in schema["anyOf"] if "pattern" in variant]

    response = await client.post(
        PRODUCTS_URL, json=new_product(price=price), headers=auth_headers(admin)
    )

    assert (response.status_code == 201) == (re.search(pattern, price) is not None), response.text
