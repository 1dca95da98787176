"""Reading orders: who sees what, filters, sorting, pages."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory, UserFactory
from helpers import assert_error, assert_ok, count_statements, read_ok
from orders_support import ORDERS_URL, placed_order, walk_to
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.orders.models import Order, OrderStatus
from app.users.models import User

ROUTES = [
    ("POST", ORDERS_URL),
    ("GET", ORDERS_URL),
    ("GET", f"{ORDERS_URL}/1"),
    ("GET", f"{ORDERS_URL}/by-number/ORD-20260101-000001"),
    ("GET", f"{ORDERS_URL}/1/history"),
    ("POST", f"{ORDERS_URL}/1/cancel"),
    ("PATCH", f"{ORDERS_URL}/1/status"),
    ("POST", f"{ORDERS_URL}/bulk-status"),
    ("GET", f"{ORDERS_URL}/export.csv"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_every_order_route_needs_a_signed_in_user(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(method, path, json={})
    assert_error(response, 401, "not_authenticated")


async def test_the_route_list_covers_the_schema(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/openapi.json")).json()
    documented = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        if path.startswith(ORDERS_URL)
        for method in operations
    }
    assert len(documented) == len(ROUTES)


@pytest.fixture
async def two_customers(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
) -> tuple[User, User, list[dict[str, Any]], list[dict[str, Any]]]:
    alice, bob = await make_user(), await make_user()
    product = await make_product(price="5.00", stock_quantity=100)
    alices = [await placed_order(client, auth_headers(alice), (product, n)) for n in (1, 2, 3)]
    bobs = [await placed_order(client, auth_headers(bob), (product, n)) for n in (4, 5)]
    return alice, bob, alices, bobs


Customers = tuple[User, User, list[dict[str, Any]], list[dict[str, Any]]]


async def test_a_customer_lists_only_their_own_orders(
    client: httpx.AsyncClient, two_customers: Customers, auth_headers: AuthHeaders
) -> None:
    alice, _, alices, _ = two_customers
    page = await read_ok(client, ORDERS_URL, auth_headers(alice))
    assert page["total"] == 3
    assert {order["id"] for order in page["items"]} == {order["id"] for order in alices}
    assert all(len(order["items"]) == 1 for order in page["items"])


async def test_admins_list_everyone_and_filter_by_user(
    client: httpx.AsyncClient, two_customers: Customers, admin: User, auth_headers: AuthHeaders
) -> None:
    _, bob, alices, bobs = two_customers
    everyone = await read_ok(client, ORDERS_URL, auth_headers(admin))
    assert everyone["total"] == len(alices) + len(bobs)
    only_bob = await read_ok(client, ORDERS_URL, auth_headers(admin), user_id=bob.id)
    assert {order["id"] for order in only_bob["items"]} == {order["id"] for order in bobs}


async def test_a_customer_may_not_filter_by_user(
    client: httpx.AsyncClient, two_customers: Customers, auth_headers: AuthHeaders
) -> None:
    alice, bob, _, _ = two_customers
    response = await client.get(f"{ORDERS_URL}?user_id={bob.id}", headers=auth_headers(alice))
    assert_error(response, 403, "admin_required")


async def test_orders_filter_by_status(
    client: httpx.AsyncClient, two_customers: Customers, admin: User, auth_headers: AuthHeaders
) -> None:
    _, _, alices, _ = two_customers
    await walk_to(client, auth_headers(admin), alices[0]["id"], OrderStatus.PAID)
    paid = await read_ok(client, ORDERS_URL, auth_headers(admin), status="paid")
    assert [order["id"] for order in paid["items"]] == [alices[0]["id"]]


async def test_orders_filter_by_creation_time(
    client: httpx.AsyncClient,
    two_customers: Customers,
    admin: User,
    auth_headers: AuthHeaders,
    session: AsyncSession,
) -> None:
    _, _, alices, _ = two_customers
    old = datetime(2026, 1, 15, tzinfo=UTC)
    await session.execute(update(Order).where(Order.id == alices[0]["id"]).values(created_at=old))
    await session.commit()
    headers = auth_headers(admin)
    window = {"created_from": "2026-01-15T00:00:00Z", "created_to": "2026-01-16T00:00:00Z"}

    within = await client.get(ORDERS_URL, params=window, headers=headers)
    assert [order["id"] for order in assert_ok(within)["items"]] == [alices[0]["id"]]
    before = await client.get(ORDERS_URL, params={"created_to": old.isoformat()}, headers=headers)
    assert assert_ok(before)["total"] == 0
    after = await client.get(
        ORDERS_URL,
        params={"created_from": (old + timedelta(seconds=1)).isoformat()},
        headers=headers,
    )
    assert assert_ok(after)["total"] == 4


@pytest.mark.parametrize(
    ("sort", "expected_quantities"),
    [
        ("total_amount", [1, 2, 3, 4, 5]),
        ("-total_amount", [5, 4, 3, 2, 1]),
        ("created_at", [1, 2, 3, 4, 5]),
        ("-created_at", [5, 4, 3, 2, 1]),
    ],
)
async def test_orders_sort_with_ties_broken_by_id(
    client: httpx.AsyncClient,
    two_customers: Customers,
    admin: User,
    auth_headers: AuthHeaders,
    sort: str,
    expected_quantities: list[int],
) -> None:
    # All orders of a test share created_at (one transaction), so that sort falls to ids.
    page = await read_ok(client, ORDERS_URL, auth_headers(admin), sort=sort)
    assert [order["items"][0]["quantity"] for order in page["items"]] == expected_quantities


async def test_order_pages_do_not_overlap_and_cover_everything(
    client: httpx.AsyncClient, two_customers: Customers, admin: User, auth_headers: AuthHeaders
) -> None:
    seen: list[int] = []
    for offset in (0, 2, 4):
        page = await read_ok(client, ORDERS_URL, auth_headers(admin), limit=2, offset=offset)
        assert (page["total"], page["limit"], page["offset"]) == (5, 2, offset)
        seen += [order["id"] for order in page["items"]]
    assert len(seen) == len(set(seen)) == 5


@pytest.mark.parametrize("sort", ["-created_at", "created_at", "total_amount", "-total_amount"])
async def test_order_pages_by_cursor_follow_the_sort_and_stay_within_the_viewer(
    client: httpx.AsyncClient,
    two_customers: Customers,
    admin: User,
    auth_headers: AuthHeaders,
    sort: str,
) -> None:
    alice, _, alices, _ = two_customers
    for viewer, expected_count in ((admin, 5), (alice, 3)):
        headers = auth_headers(viewer)
        whole = await read_ok(client, ORDERS_URL, headers, sort=sort)
        everything = [order["id"] for order in whole["items"]]
        page = await read_ok(client, ORDERS_URL, headers, sort=sort, limit=2)
        walked = [order["id"] for order in page["items"]]
        while page["next_cursor"] is not None:
            page = await read_ok(
                client, ORDERS_URL, headers, sort=sort, limit=2, cursor=page["next_cursor"]
            )
            assert page["total"] == expected_count
            walked += [order["id"] for order in page["items"]]
        assert walked == everything
        assert len(walked) == expected_count
    assert set(walked) == {order["id"] for order in alices}  # the last viewer: alice


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=101",
        "limit=100000000000000000000000",
        "offset=-1",
        # Past PostgreSQL's bigint OFFSET: was a 500.
        "offset=3482544027514267544584192",
        "offset=2147483648",
        "sort=price",
        "status=lost",
        "created_from=yesterday",
        # Read as seconds since 1970 before: not the ISO 8601 date-time the schema promises.
        "created_to=0.5",
        "created_from=1700000000",
        "created_from=2026-01-31",
        # Past the integer ids: was a 500.
        "user_id=10288059073919050579968",
    ],
)
async def test_bad_list_parameters_are_422(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders, query: str
) -> None:
    response = await client.get(f"{ORDERS_URL}?{query}", headers=auth_headers(user))
    assert_error(response, 422, "validation_error")


async def test_orders_read_by_id_and_number_for_owner_and_admin_only(
    client: httpx.AsyncClient,
    two_customers: Customers,
    admin: User,
    auth_headers: AuthHeaders,
) -> None:
    alice, bob, alices, _ = two_customers
    order = alices[0]
    paths = [
        f"{ORDERS_URL}/{order['id']}",
        f"{ORDERS_URL}/by-number/{order['order_number']}",
    ]
    for path in paths:
        assert await read_ok(client, path, auth_headers(alice)) == order
        # The same order, but what each may do with it is their own.
        assert await read_ok(client, path, auth_headers(admin)) == order | {
            "allowed_transitions": ["paid", "cancelled"]
        }
        assert_error(await client.get(path, headers=auth_headers(bob)), 404, "order_not_found")
    history = f"{ORDERS_URL}/{order['id']}/history"
    assert_error(await client.get(history, headers=auth_headers(bob)), 404, "order_not_found")


@pytest.mark.parametrize(
    "path",
    [f"{ORDERS_URL}/2000000000", f"{ORDERS_URL}/by-number/ORD-19990101-000001"],
)
async def test_unknown_orders_are_404(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders, path: str
) -> None:
    assert_error(await client.get(path, headers=auth_headers(admin)), 404, "order_not_found")


async def test_an_offset_past_the_end_is_an_empty_page_with_the_true_total(
    client: httpx.AsyncClient, two_customers: Customers, auth_headers: AuthHeaders
) -> None:
    alice, *_ = two_customers

    # No row to carry the total: it is counted on its own.
    page = await read_ok(client, ORDERS_URL, auth_headers(alice), offset=50)

    assert (page["items"], page["total"], page["next_cursor"]) == ([], 3, None)


async def test_a_list_runs_the_same_number_of_statements_for_any_page_size(
    client: httpx.AsyncClient,
    two_customers: Customers,
    admin: User,
    auth_headers: AuthHeaders,
    engine: AsyncEngine,
    connection: AsyncConnection,
) -> None:
    # The first read looks the caller up, and asyncpg the types of the statements' parameters
    # (once per connection); the counted ones find both known.
    await read_ok(client, ORDERS_URL, auth_headers(admin))
    counts = []
    for limit in (1, 5):
        with count_statements(engine, connection) as statements:
            await read_ok(client, ORDERS_URL, auth_headers(admin), limit=limit)
        counts.append(len([sql for sql in statements if sql.lstrip().startswith("SELECT")]))
    # The page with its total, and one query for the lines of the whole page.
    assert counts == [2, 2]


@pytest.mark.parametrize("by", ["id", "number"])
async def test_one_order_with_its_lines_is_one_statement(
    client: httpx.AsyncClient,
    two_customers: Customers,
    auth_headers: AuthHeaders,
    engine: AsyncEngine,
    connection: AsyncConnection,
    by: str,
) -> None:
    alice, _, alices, _ = two_customers
    order = alices[0]
    path = (
        f"{ORDERS_URL}/{order['id']}"
        if by == "id"
        else f"{ORDERS_URL}/by-number/{order['order_number']}"
    )
    await read_ok(client, path, auth_headers(alice))
    with count_statements(engine, connection) as statements:
        assert await read_ok(client, path, auth_headers(alice)) == order
    assert order["items"]
    # The order joined to its lines; the caller and the statement are known from the first
    # read.
    assert len([sql for sql in statements if sql.lstrip().startswith("SELECT")]) == 1
