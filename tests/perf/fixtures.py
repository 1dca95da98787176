"""The data the workloads replay: real tokens, real ids, obtained through the API itself."""

import asyncio
import json
import random
from dataclasses import dataclass
from itertools import cycle

import httpx

from app.cli.seed import DEMO_PASSWORD

from .stack import ADMIN_USERNAME, Stack

BUSY_CUSTOMER = "bench.busy.customer"
BUSY_CUSTOMER_PASSWORD = "bench-busy-password"
# Products that every order of workload 6 and the soak draws from, stocked so they never run out.
STOCKED_PRODUCTS = 200
STOCK_TOP_UP = 10_000_000
ORDER_BODIES = 1_000
SEARCH_TERMS = ("oak", "steel", "lamp", "copper kni", "pen", "glass", "bamboo", "navy")


def _json(response: httpx.Response, expected: int = 200) -> object:
    if response.status_code != expected:
        raise RuntimeError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code}, expected {expected}: {response.text[:500]}"
        )
    return response.json()


def login(client: httpx.Client, username: str, password: str) -> str:
    body = _json(client.post("/api/auth/login", json={"username": username, "password": password}))
    assert isinstance(body, dict)
    token: str = body["access_token"]
    return token


@dataclass(frozen=True)
class Customer:
    username: str
    token: str


@dataclass(frozen=True)
class Fixtures:
    admin_token: str
    customers: list[Customer]
    # (token of the owner, order id) for seeded orders of 1 to 5 lines
    owned_orders: list[tuple[str, int]]
    busy_customer: Customer
    busy_customer_orders: int
    stocked_product_ids: list[int]
    order_bodies: list[str]
    # `next_cursor`s that start deep pages: of the busy customer's orders, of the catalogue
    deep_orders_cursor: str
    deep_products_cursor: str


def sign_in_customers(client: httpx.Client, admin: dict[str, str], *, count: int) -> list[Customer]:
    """Seeded, active customers, each signed in with the seed's password."""
    page = _json(
        client.get(
            "/api/users",
            params={"role": "user", "is_active": "true", "search": "demo", "limit": count},
            headers=admin,
        )
    )
    assert isinstance(page, dict)
    usernames = [user["username"] for user in page["items"]]
    if not usernames:
        raise RuntimeError("no seeded customers: seed some users")
    return [Customer(name, login(client, name, DEMO_PASSWORD)) for name in usernames]


def _owned_orders(client: httpx.Client, customers: list[Customer]) -> list[tuple[str, int]]:
    owned = []
    for customer in customers:
        page = _json(
            client.get(
                "/api/orders",
                params={"limit": 100},
                headers={"Authorization": f"Bearer {customer.token}"},
            )
        )
        assert isinstance(page, dict)
        owned += [(customer.token, order["id"]) for order in page["items"]]
    if not owned:
        raise RuntimeError("the seeded customers have no orders: seed more orders")
    return owned


def stock_products(
    client: httpx.Client, admin: dict[str, str], *, count: int = STOCKED_PRODUCTS
) -> list[int]:
    ids: list[int] = []
    while len(ids) < count:
        page = _json(
            client.get(
                "/api/products",
                params={
                    "status": "active",
                    "sort": "created_at",
                    "limit": min(100, count - len(ids)),
                    "offset": len(ids),
                },
                headers=admin,
            )
        )
        assert isinstance(page, dict)
        if not page["items"]:
            break
        ids += [product["id"] for product in page["items"]]
    for product_id in ids:
        _json(
            client.post(
                f"/api/products/{product_id}/stock", json={"delta": STOCK_TOP_UP}, headers=admin
            )
        )
    return ids


def order_bodies(product_ids: list[int], *, count: int, seed: int = 1) -> list[str]:
    """Order requests of 1 to 3 lines of 1 or 2 units each."""
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        lines = rng.sample(product_ids, k=min(len(product_ids), rng.randint(1, 3)))
        items = [{"product_id": pid, "quantity": rng.randint(1, 2)} for pid in lines]
        bodies.append(json.dumps({"items": items}, separators=(",", ":")))
    return bodies


async def _place_orders(base_url: str, token: str, bodies: list[str]) -> None:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    semaphore = asyncio.Semaphore(8)
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:

        async def place(body: str) -> None:
            async with semaphore:
                _json(await client.post("/api/orders", content=body, headers=headers), 201)

        await asyncio.gather(*(place(body) for body in bodies))


def _busy_customer(
    client: httpx.Client, admin: dict[str, str], *, bodies: list[str], base_url: str, orders: int
) -> Customer:
    _json(
        client.post(
            "/api/users",
            json={
                "username": BUSY_CUSTOMER,
                "email": "bench-busy@example.com",
                "password": BUSY_CUSTOMER_PASSWORD,
                "full_name": "Busy Customer",
            },
            headers=admin,
        ),
        201,
    )
    token = login(client, BUSY_CUSTOMER, BUSY_CUSTOMER_PASSWORD)
    picks = [body for body, _ in zip(cycle(bodies), range(orders), strict=False)]
    asyncio.run(_place_orders(base_url, token, picks))
    return Customer(BUSY_CUSTOMER, token)


def cursor_at(client: httpx.Client, path: str, *, token: str, offset: int) -> str:
    """The cursor of the page that starts `offset` items into the list, walked to by cursor."""
    cursor: str | None = None
    seen = 0
    while seen < offset:
        params: dict[str, str | int] = {"limit": min(100, offset - seen)}
        if cursor is not None:
            params["cursor"] = cursor
        page = _json(client.get(path, params=params, headers={"Authorization": f"Bearer {token}"}))
        assert isinstance(page, dict)
        seen += len(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            raise RuntimeError(f"{path} has fewer than {offset} items")
    assert cursor is not None, "offset must be positive"
    return cursor


def deep_offset(orders: int) -> int:
    """Where workload 5's deep page starts: the last page of 20."""
    return max(1, orders - 20)


def prepare(
    stack: Stack,
    base_url: str,
    *,
    customers: int,
    busy_customer_orders: int,
    deep_products_offset: int,
    stocked_products: int = STOCKED_PRODUCTS,
) -> Fixtures:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        admin_token = login(client, ADMIN_USERNAME, stack.admin_password)
        admin = {"Authorization": f"Bearer {admin_token}"}
        signed_in = sign_in_customers(client, admin, count=customers)
        stocked = stock_products(client, admin, count=stocked_products)
        bodies = order_bodies(stocked, count=ORDER_BODIES)
        busy = _busy_customer(
            client, admin, bodies=bodies, base_url=base_url, orders=busy_customer_orders
        )
        return Fixtures(
            admin_token=admin_token,
            customers=signed_in,
            owned_orders=_owned_orders(client, signed_in),
            busy_customer=busy,
            busy_customer_orders=busy_customer_orders,
            stocked_product_ids=stocked,
            order_bodies=bodies,
            deep_orders_cursor=cursor_at(
                client, "/api/orders", token=busy.token, offset=deep_offset(busy_customer_orders)
            ),
            deep_products_cursor=cursor_at(
                client, "/api/products", token=signed_in[0].token, offset=deep_products_offset
            ),
        )
