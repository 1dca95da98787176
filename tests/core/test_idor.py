"""Another customer's ids: every route addressed by an id answers a customer who names
someone else's order, account or hidden product exactly as it answers an id nobody has,
and changes nothing. Existence is never confirmed by a different status or body."""

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory, UserFactory
from fastapi import FastAPI
from helpers import read_ok

from app.products.models import ProductStatus
from app.users.models import User

MISSING_ID = "2147483647"
MISSING_NUMBER = "ORD-19990101-000001"


@dataclass(frozen=True)
class IdRoute:
    method: str
    path: str  # as in the schema, with one path parameter
    target: str  # which of the victim's things: "order", "order_number", "user", "product"
    status: int
    code: str
    body: dict[str, Any] | None = None


ROUTES = [
    IdRoute("GET", "/api/orders/{order_id}", "order", 404, "order_not_found"),
    IdRoute("GET", "/api/orders/{order_id}/history", "order", 404, "order_not_found"),
    IdRoute("POST", "/api/orders/{order_id}/cancel", "order", 404, "order_not_found"),
    IdRoute("GET", "/api/orders/by-number/{order_number}", "order_number", 404, "order_not_found"),
    # Status changes are for admins: a customer gets the same 403 whatever the id.
    IdRoute(
        "PATCH", "/api/orders/{order_id}/status", "order", 403, "admin_required", {"status": "paid"}
    ),
    IdRoute("GET", "/api/users/{user_id}", "user", 404, "user_not_found"),
    IdRoute(
        "PATCH", "/api/users/{user_id}", "user", 403, "admin_required", {"full_name": "Mallory"}
    ),
    IdRoute("DELETE", "/api/users/{user_id}", "user", 403, "admin_required"),
    IdRoute("GET", "/api/products/{product_id}", "product", 404, "product_not_found"),
    IdRoute(
        "PATCH", "/api/products/{product_id}", "product", 403, "admin_required", {"name": "Mine"}
    ),
    IdRoute("DELETE", "/api/products/{product_id}", "product", 403, "admin_required"),
    IdRoute(
        "POST", "/api/products/{product_id}/stock", "product", 403, "admin_required", {"delta": -1}
    ),
]


@dataclass
class Victim:
    """Alice's things: her account, her order, and a product customers can't see."""

    user: User
    order: dict[str, Any]
    hidden_product_id: int

    def id_for(self, target: str) -> str:
        return {
            "order": str(self.order["id"]),
            "order_number": str(self.order["order_number"]),
            "user": str(self.user.id),
            "product": str(self.hidden_product_id),
        }[target]


@pytest.fixture
async def victim(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    make_product: ProductFactory,
    auth_headers: AuthHeaders,
) -> Victim:
    alice = await make_user(username="alice")
    product = await make_product(stock_quantity=5)
    response = await client.post(
        "/api/orders",
        json={"items": [{"product_id": product.id, "quantity": 2}]},
        headers=auth_headers(alice),
    )
    assert response.status_code == 201, response.text
    hidden = await make_product(status=ProductStatus.INACTIVE)
    return Victim(alice, response.json(), hidden.id)


async def alices_world(
    client: httpx.AsyncClient, victim: Victim, headers: dict[str, str]
) -> list[dict[str, Any]]:
    """Everything the routes could change, as an admin sees it."""
    order_id = victim.order["id"]
    return [
        await read_ok(client, f"/api/orders/{order_id}", headers),
        {"history": await read_ok(client, f"/api/orders/{order_id}/history", headers)},
        await read_ok(client, f"/api/users/{victim.user.id}", headers),
        await read_ok(client, f"/api/products/{victim.hidden_product_id}", headers),
        await read_ok(client, f"/api/products/{victim.order['items'][0]['product_id']}", headers),
    ]


def test_the_table_covers_every_route_addressed_by_an_id(app: FastAPI) -> None:
    addressed = {
        (method.upper(), path)
        for path, item in app.openapi()["paths"].items()
        if "{" in path
        for method in item
    }
    assert addressed == {(route.method, route.path) for route in ROUTES}


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: f"{route.method} {route.path}")
async def test_another_customers_id_is_answered_as_an_id_nobody_has(
    client: httpx.AsyncClient,
    victim: Victim,
    make_user: UserFactory,
    admin: User,
    auth_headers: AuthHeaders,
    route: IdRoute,
) -> None:
    bob = await make_user(username="bob")
    missing = MISSING_NUMBER if route.target == "order_number" else MISSING_ID
    before = await alices_world(client, victim, auth_headers(admin))

    answers = [
        await client.request(
            route.method,
            re.sub(r"\{\w+\}", target_id, route.path),
            json=route.body,
            headers=auth_headers(bob),
        )
        for target_id in (victim.id_for(route.target), missing)
    ]

    theirs, nobodys = answers
    assert (theirs.status_code, theirs.json()["code"]) == (route.status, route.code), theirs.text
    assert (nobodys.status_code, nobodys.json()) == (theirs.status_code, theirs.json())
    assert await alices_world(client, victim, auth_headers(admin)) == before
