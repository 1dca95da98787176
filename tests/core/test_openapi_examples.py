"""Every request example in the OpenAPI document is one the API accepts, since Swagger's
"Try it out" starts from it. Each is read from the document as Swagger UI 5 reads it and sent
by the role its operation needs, after the data it names (the account it signs in to, the
product it orders) has been created."""

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory, UserFactory
from fastapi import FastAPI
from helpers import assert_ok
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import PasswordResetToken
from app.refresh_tokens import service as refresh_tokens
from app.refresh_tokens.models import RefreshToken
from app.users.models import UserRole

FORM = "application/x-www-form-urlencoded"
# Its example is the file's text; sent as a file of that name.
MULTIPART = "multipart/form-data"


@dataclass(frozen=True)
class Shop:
    """What an arrangement creates its data with."""

    session: AsyncSession
    client: httpx.AsyncClient
    make_user: UserFactory
    make_product: ProductFactory
    auth_headers: AuthHeaders


@dataclass(frozen=True)
class Call:
    """Who sends the example, and the path parameters of what it acts on."""

    headers: dict[str, str] = field(default_factory=dict)
    path: dict[str, int] = field(default_factory=dict)


Example = dict[str, Any]
Arrangement = Callable[[Shop, Example], Awaitable[Call]]


async def _anyone(shop: Shop, example: Example) -> Call:
    return Call()


async def _customer(shop: Shop, example: Example) -> Call:
    return Call(shop.auth_headers(await shop.make_user()))


async def _admin(shop: Shop, example: Example) -> Call:
    return Call(shop.auth_headers(await shop.make_user(role=UserRole.ADMIN)))


async def _the_account_signed_in_to(shop: Shop, example: Example) -> Call:
    await shop.make_user(username=example["username"], password=example["password"])
    return Call()


async def _the_account_with_the_current_password(shop: Shop, example: Example) -> Call:
    return Call(shop.auth_headers(await shop.make_user(password=example["current_password"])))


async def _the_refresh_token(shop: Shop, example: Example) -> Call:
    user = await shop.make_user()
    family = refresh_tokens.Family.start(timedelta(days=1))
    shop.session.add(
        RefreshToken(
            user_id=user.id,
            family_id=family.id,
            family_expires_at=family.expires_at,
            # Stored as its SHA-256, as refresh_tokens.issue stores the tokens it makes up.
            token_hash=hashlib.sha256(example["refresh_token"].encode()).hexdigest(),
            expires_at=family.expires_at,
        )
    )
    await shop.session.commit()
    return Call()


async def _the_reset_token(shop: Shop, example: Example) -> Call:
    user = await shop.make_user()
    shop.session.add(
        PasswordResetToken(
            user_id=user.id,
            # Stored as its SHA-256, as the password reset stores the tokens it mails.
            token_hash=hashlib.sha256(example["token"].encode()).hexdigest(),
            expires_at=datetime.now(UTC) + timedelta(minutes=30),
            token_version=user.token_version,
        )
    )
    await shop.session.commit()
    return Call()


async def _a_customer_to_manage(shop: Shop, example: Example) -> Call:
    customer = await shop.make_user()
    return Call((await _admin(shop, example)).headers, {"user_id": customer.id})


async def _a_product_to_manage(shop: Shop, example: Example) -> Call:
    product = await shop.make_product()
    return Call((await _admin(shop, example)).headers, {"product_id": product.id})


async def _the_products_ordered(shop: Shop, example: Example) -> Call:
    for line in example["items"]:
        await shop.make_product(product_id=line["product_id"], stock_quantity=line["quantity"])
    return await _customer(shop, example)


async def _a_paid_order(shop: Shop, example: Example) -> Call:
    """Ready to be shipped, as the example does."""
    product = await shop.make_product()
    placed = await shop.client.post(
        "/api/orders",
        json={"items": [{"product_id": product.id, "quantity": 1}]},
        headers=(await _customer(shop, example)).headers,
    )
    order_id = assert_ok(placed, 201)["id"]
    admin_headers = (await _admin(shop, example)).headers
    paid = await shop.client.patch(
        f"/api/orders/{order_id}/status", json={"status": "paid"}, headers=admin_headers
    )
    assert_ok(paid)
    return Call(admin_headers, {"order_id": order_id})


# Per operation with a body: the least its example needs to be accepted.
ARRANGEMENTS: dict[str, Arrangement] = {
    "login": _the_account_signed_in_to,
    "login_with_form": _the_account_signed_in_to,
    "refresh_tokens": _the_refresh_token,
    "logout": _the_refresh_token,
    "register": _anyone,
    # Answered alike whether or not an account has the address.
    "request_password_reset": _anyone,
    "confirm_password_reset": _the_reset_token,
    "update_me": _customer,
    "change_my_password": _the_account_with_the_current_password,
    "create_user": _admin,
    "update_user": _a_customer_to_manage,
    "create_product": _admin,
    "update_product": _a_product_to_manage,
    "adjust_product_stock": _a_product_to_manage,
    "create_order": _the_products_ordered,
    "change_order_status": _a_paid_order,
    # Ids of orders that don't exist are answered per id, in a 200.
    "change_order_statuses": _admin,
    "import_products": _admin,
}


def _resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def request_examples(document: dict[str, Any], operation: dict[str, Any]) -> list[Example]:
    """The bodies Swagger UI 5 offers under OpenAPI 3.1: the media type's `examples`, then
    the schema's (those of the first `anyOf` variant for an optional body); a form (or a
    multipart upload) is filled field by field from each field's first example, so its
    required fields must all have one."""
    ((content_type, media),) = operation["requestBody"]["content"].items()
    schema = _resolved(document, media["schema"])
    if content_type in (FORM, MULTIPART):
        filled = {
            name: schema_of_field["examples"][0]
            for name, schema_of_field in schema["properties"].items()
            if "examples" in schema_of_field
        }
        return [filled] if set(schema["required"]) <= set(filled) else []
    if "anyOf" in schema:
        schema = _resolved(document, schema["anyOf"][0])
    named = [example["value"] for example in media.get("examples", {}).values()]
    return [*named, *schema.get("examples", [])]


def operations_with_a_body(app: FastAPI) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {
        operation["operationId"]: (method, path, operation)
        for path, item in app.openapi()["paths"].items()
        for method, operation in item.items()
        if "requestBody" in operation
    }


@pytest.fixture
def shop(
    session: AsyncSession,
    client: httpx.AsyncClient,
    make_user: UserFactory,
    make_product: ProductFactory,
    auth_headers: AuthHeaders,
) -> Shop:
    return Shop(session, client, make_user, make_product, auth_headers)


def test_every_operation_with_a_body_has_an_example_and_an_arrangement(app: FastAPI) -> None:
    document = app.openapi()
    operations = operations_with_a_body(app)
    without = [
        operation_id
        for operation_id, (_, _, operation) in operations.items()
        if not request_examples(document, operation)
    ]
    assert without == []
    assert set(operations) == set(ARRANGEMENTS)


@pytest.mark.parametrize("operation_id", ARRANGEMENTS)
async def test_the_example_of_each_body_is_accepted(
    app: FastAPI, shop: Shop, operation_id: str
) -> None:
    method, path, operation = operations_with_a_body(app)[operation_id]
    ((content_type, _),) = operation["requestBody"]["content"].items()
    examples = request_examples(app.openapi(), operation)
    assert examples
    for example in examples:
        call = await ARRANGEMENTS[operation_id](shop, example)
        form = content_type == FORM
        upload = content_type == MULTIPART
        files = {name: (name, text.encode()) for name, text in example.items()} if upload else None
        response = await shop.client.request(
            method,
            path.format(**call.path),
            headers=call.headers,
            data=example if form else None,
            files=files,
            json=None if form or upload else example,
        )
        assert response.is_success, (example, response.status_code, response.text)
