"""Who may call which /api/products route, and what a product looks like on the wire.

Any signed-in user reads; only admins and superadmins write. Every refused call must leave
the products exactly as they were.
"""

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory, UserFactory
from fastapi import FastAPI
from helpers import assert_unauthorized
from products_support import PRODUCT_FIELDS, new_product, stored_products
from sqlalchemy.ext.asyncio import AsyncSession

from app.users.models import User, UserRole

Outcome = tuple[int, str | None]


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    body: dict[str, Any] | None = None
    # A multipart upload: field name to (filename, content).
    files: dict[str, tuple[str, bytes]] | None = None
    # Whether a success is the product named by `{id}`.
    answers_the_product: bool = False


ROUTES = {
    "GET /products": Route("GET", "/api/products"),
    "POST /products": Route("POST", "/api/products", body=new_product()),
    "GET /products/{id}": Route("GET", "/api/products/{id}", answers_the_product=True),
    "PATCH /products/{id}": Route(
        "PATCH", "/api/products/{id}", body={"name": "Renamed"}, answers_the_product=True
    ),
    "DELETE /products/{id}": Route("DELETE", "/api/products/{id}"),
    "POST /products/{id}/stock": Route(
        "POST", "/api/products/{id}/stock", body={"delta": 5}, answers_the_product=True
    ),
    "GET /products/export.csv": Route("GET", "/api/products/export.csv"),
    "POST /products/import": Route(
        "POST",
        "/api/products/import",
        files={
            "file": (
                "new.csv",
                b"sku,name,description,price,stock_quantity,status\nI-1,I,,2,3,active\n",
            )
        },
    ),
}

OK: Outcome = (200, None)
CREATED: Outcome = (201, None)
NO_CONTENT: Outcome = (204, None)
ADMIN_REQUIRED: Outcome = (403, "admin_required")

# fmt: off
MATRIX: list[tuple[str, Outcome, Outcome, Outcome]] = [
    # route                        user            admin       superadmin
    ("GET /products",              OK,             OK,         OK),
    ("POST /products",             ADMIN_REQUIRED, CREATED,    CREATED),
    ("GET /products/{id}",         OK,             OK,         OK),
    ("PATCH /products/{id}",       ADMIN_REQUIRED, OK,         OK),
    ("DELETE /products/{id}",      ADMIN_REQUIRED, NO_CONTENT, NO_CONTENT),
    ("POST /products/{id}/stock",  ADMIN_REQUIRED, OK,         OK),
    ("GET /products/export.csv",   ADMIN_REQUIRED, OK,         OK),
    ("POST /products/import",      ADMIN_REQUIRED, OK,         OK),
]
# fmt: on
ACTORS = (UserRole.USER, UserRole.ADMIN, UserRole.SUPERADMIN)
SIGNED_IN_CASES = [
    pytest.param(actor, route, outcome, id=f"{actor.value}-{route}")
    for route, *outcomes in MATRIX
    for actor, outcome in zip(ACTORS, outcomes, strict=True)
]
OPERATION_IDS = {
    ("GET", "/api/products"): "list_products",
    ("POST", "/api/products"): "create_product",
    ("GET", "/api/products/{product_id}"): "read_product",
    ("PATCH", "/api/products/{product_id}"): "update_product",
    ("DELETE", "/api/products/{product_id}"): "delete_product",
    ("POST", "/api/products/{product_id}/stock"): "adjust_product_stock",
    ("GET", "/api/products/export.csv"): "export_products",
    ("POST", "/api/products/import"): "import_products",
}


async def call(
    client: httpx.AsyncClient, route: Route, product_id: int, headers: dict[str, str]
) -> httpx.Response:
    return await client.request(
        route.method,
        route.path.format(id=product_id),
        json=route.body,
        files=route.files,
        headers=headers,
    )


async def test_the_matrix_covers_every_products_route_the_app_serves(app: FastAPI) -> None:
    served = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/api/products")
        for method in operations
    }
    covered = {(spec.method, spec.path.replace("{id}", "{product_id}")) for spec in ROUTES.values()}

    assert served == covered
    assert [route for route, *_ in MATRIX] == list(ROUTES)


async def test_operation_ids_are_the_function_names_and_unique_across_the_app(
    app: FastAPI,
) -> None:
    operations = [
        ((method.upper(), path), operation["operationId"])
        for path, methods in app.openapi()["paths"].items()
        for method, operation in methods.items()
    ]
    every_id = [operation_id for _, operation_id in operations]

    assert {key: value for key, value in operations if key in OPERATION_IDS} == OPERATION_IDS
    assert len(every_id) == len(set(every_id))


@pytest.mark.parametrize("route", ROUTES)
async def test_anonymous_callers_get_401_with_a_bearer_challenge_everywhere(
    client: httpx.AsyncClient, session: AsyncSession, make_product: ProductFactory, route: str
) -> None:
    product = await make_product()
    before = await stored_products(session)

    response = await call(client, ROUTES[route], product.id, headers={})

    assert_unauthorized(response, "not_authenticated")
    assert await stored_products(session) == before


@pytest.mark.parametrize("route", ROUTES)
async def test_a_malformed_bearer_token_gets_401_invalid_token_everywhere(
    client: httpx.AsyncClient, session: AsyncSession, make_product: ProductFactory, route: str
) -> None:
    product = await make_product()
    before = await stored_products(session)

    response = await call(client, ROUTES[route], product.id, {"Authorization": "Bearer not-a-jwt"})

    assert_unauthorized(response, "invalid_token")
    assert await stored_products(session) == before


@pytest.mark.parametrize(("actor_role", "route", "outcome"), SIGNED_IN_CASES)
async def test_each_role_gets_the_matrix_outcome_on_each_route(
    client: httpx.AsyncClient,
    session: AsyncSession,
    make_user: UserFactory,
    make_product: ProductFactory,
    auth_headers: AuthHeaders,
    actor_role: UserRole,
    route: str,
    outcome: Outcome,
) -> None:
    actor = await make_user(role=actor_role)
    product = await make_product(stock_quantity=10)
    spec = ROUTES[route]
    before = await stored_products(session)

    response = await call(client, spec, product.id, auth_headers(actor))

    status, code = outcome
    assert response.status_code == status, response.text
    if code is not None:
        assert response.json()["code"] == code
        assert await stored_products(session) == before
        return
    if spec.method == "GET":
        assert await stored_products(session) == before
    else:
        assert await stored_products(session) != before
    if spec.answers_the_product:
        assert response.json()["id"] == product.id


async def test_a_deactivated_users_token_no_longer_reads_products(
    client: httpx.AsyncClient, make_user: UserFactory, auth_headers: AuthHeaders
) -> None:
    inactive = await make_user(is_active=False)

    response = await client.get("/api/products", headers=auth_headers(inactive))

    assert_unauthorized(response, "invalid_token")


@pytest.mark.parametrize(
    "route",
    ["POST /products", "GET /products/{id}", "PATCH /products/{id}", "POST /products/{id}/stock"],
)
async def test_single_product_responses_expose_exactly_the_public_fields(
    client: httpx.AsyncClient,
    admin: User,
    make_product: ProductFactory,
    auth_headers: AuthHeaders,
    route: str,
) -> None:
    product = await make_product()

    response = await call(client, ROUTES[route], product.id, auth_headers(admin))

    assert response.status_code in {200, 201}, response.text
    assert set(response.json()) == PRODUCT_FIELDS


async def test_list_items_expose_exactly_the_public_fields(
    client: httpx.AsyncClient, user: User, make_product: ProductFactory, auth_headers: AuthHeaders
) -> None:
    await make_product(description="Described")
    await make_product()

    response = await client.get("/api/products", headers=auth_headers(user))

    items = response.json()["items"]
    assert len(items) == 2
    assert all(set(item) == PRODUCT_FIELDS for item in items)
