"""GET /api/products as an admin: the page envelope, search, filters, sorting and pagination.

Every product a test creates shares one `created_at` (PostgreSQL's now() is the transaction's
start, and each test is one transaction), so sorting on it exercises the id tiebreaker. Who
sees which statuses is in test_products_visibility.py.
"""

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory
from helpers import assert_error, count_statements, read_ok
from products_support import PRODUCTS_URL, new_product, product_url
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from app.core.pagination import MAX_PAGE_SIZE, TOTAL_CAP
from app.products.models import Product, ProductStatus
from app.users.models import User

# Names of capitalised ASCII letters sort the same under any collation. Every column has ties,
# and no two columns order the products alike, so each sort and its tiebreaker show.
SORTABLE = [
    # name      price    stock
    ("Srtmango", "5.00", 7),
    ("Srtapple", "20.00", 3),
    ("Srtmango", "12.50", 3),
    ("Srtcherry", "5.00", 9),
    ("Srtapple", "12.50", 7),
]
SORT_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "name": lambda item: item["name"],
    "price": lambda item: Decimal(item["price"]),
    "stock_quantity": lambda item: item["stock_quantity"],
    "created_at": lambda item: item["created_at"],
}
ALL_SORTS = [*SORT_KEYS, *(f"-{key}" for key in SORT_KEYS)]

ListProducts = Callable[..., Awaitable[dict[str, Any]]]


@pytest.fixture
async def list_products(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders
) -> ListProducts:
    """GET /api/products as an admin with these query parameters; the page, once a 200."""

    async def fetch(**params: Any) -> dict[str, Any]:
        return await read_ok(client, PRODUCTS_URL, auth_headers(admin), **params)

    return fetch


def names(page: dict[str, Any]) -> list[str]:
    return [item["name"] for item in page["items"]]


def ids(page: dict[str, Any]) -> list[int]:
    return [item["id"] for item in page["items"]]


@pytest.fixture
async def sortable(make_product: ProductFactory) -> list[Product]:
    return [
        await make_product(name=name, price=price, stock_quantity=stock)
        for name, price, stock in SORTABLE
    ]


# --- The envelope and the paging parameters ---


async def test_the_page_envelope_defaults_to_20_from_offset_0(
    make_product: ProductFactory, list_products: ListProducts
) -> None:
    for _ in range(21):
        await make_product()

    page = await list_products()

    assert set(page) == {"items", "total", "total_capped", "limit", "offset", "next_cursor"}
    assert (page["limit"], page["offset"], page["total"]) == (20, 0, 21)
    assert len(page["items"]) == 20


async def test_the_page_echoes_the_limit_and_offset_it_used(
    make_product: ProductFactory, list_products: ListProducts
) -> None:
    for _ in range(5):
        await make_product()

    page = await list_products(limit=2, offset=4)

    assert (page["limit"], page["offset"], page["total"]) == (2, 4, 5)
    assert len(page["items"]) == 1


async def test_limit_1_and_limit_100_are_allowed(
    make_product: ProductFactory, list_products: ListProducts
) -> None:
    for _ in range(3):
        await make_product()

    assert len((await list_products(limit=1))["items"]) == 1
    assert len((await list_products(limit=100))["items"]) == 3


async def test_an_offset_past_the_end_is_an_empty_page_with_the_true_total(
    sortable: list[Product], list_products: ListProducts
) -> None:
    page = await list_products(offset=50)

    assert page["items"] == []
    assert page["total"] == len(SORTABLE)


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"limit": -1},
        {"limit": "ten"},
        {"offset": -1},
        {"offset": 2_147_483_648},
        {"offset": 10**30},
        {"limit": 10**30},
        {"sort": "id"},
        {"sort": "description"},
        {"sort": "price; drop table products"},
        {"sort": "--name"},
        {"sort": "+name"},
        {"status": "deleted"},
        {"min_price": "cheap"},
        {"min_price": "-1"},
        {"max_price": "1.001"},
        {"max_price": "NaN"},
        {"min_price": "5", "max_price": "4.99"},
        {"low_stock": -1},
        {"low_stock": "few"},
        {"low_stock": 2_147_483_648},
        {"search": "x" * 101},
    ],
    ids=str,
)
async def test_invalid_query_parameters_are_422(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders, params: dict[str, Any]
) -> None:
    response = await client.get(PRODUCTS_URL, params=params, headers=auth_headers(admin))

    assert_error(response, 422, "validation_error")
    assert isinstance(response.json()["detail"], list)


async def test_min_price_above_max_price_says_so(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders
) -> None:
    response = await client.get(
        PRODUCTS_URL, params={"min_price": "10", "max_price": "9"}, headers=auth_headers(admin)
    )

    body = assert_error(response, 422, "validation_error")
    assert [error["type"] for error in body["detail"]] == ["price_range"]


async def test_the_number_of_statements_does_not_grow_with_the_page(
    engine: AsyncEngine,
    connection: AsyncConnection,
    make_product: ProductFactory,
    list_products: ListProducts,
) -> None:
    await make_product()
    # The first read looks the caller up, and asyncpg the types of the statement's parameters
    # (once per connection); the counted ones find both known.
    await list_products(limit=100, search="product")
    with count_statements(engine, connection) as one_product:
        assert len((await list_products(limit=100, search="product"))["items"]) == 1
    for _ in range(30):
        await make_product()
    with count_statements(engine, connection) as many_products:
        assert len((await list_products(limit=100, search="product"))["items"]) == 31

    assert len(many_products) == len(one_product)


# --- Search ---


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param("lamp", {"Desk Lamp", "LAMPSHADE"}, id="name-lower-term"),
        pytest.param("DESK", {"Desk Lamp", "Standing desk"}, id="name-upper-term"),
        pytest.param("ing d", {"Standing desk"}, id="name-with-space"),
        pytest.param("abc-", {"Widget"}, id="sku-lower-term"),
        pytest.param("XYZ.9", {"Gizmo"}, id="sku-upper-term"),
        pytest.param("x", {"Gizmo"}, id="one-letter-sku"),
        pytest.param("nobody-has-this", set(), id="no-match"),
    ],
)
async def test_search_matches_a_substring_of_name_or_sku_in_any_case(
    make_product: ProductFactory, list_products: ListProducts, term: str, expected: set[str]
) -> None:
    await make_product(name="Desk Lamp", sku="LMP-1")
    await make_product(name="LAMPSHADE", sku="SHD-2")
    await make_product(name="Standing desk", sku="STD-3")
    await make_product(name="Widget", sku="ABC-123")
    await make_product(name="Gizmo", sku="xyz.9")

    page = await list_products(search=term)

    assert set(names(page)) == expected
    assert page["total"] == len(expected)


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        pytest.param("%", {"50% off"}, id="percent-is-not-anything"),
        pytest.param("50%", {"50% off"}, id="percent-after"),
        pytest.param("5%f", set(), id="percent-between"),
        pytest.param("_", {"a_b"}, id="lone-underscore"),
        pytest.param("a_b", {"a_b"}, id="underscore-is-not-any-character"),
        pytest.param("\\", {"back\\slash"}, id="backslash"),
        pytest.param("k\\s", {"back\\slash"}, id="backslash-between"),
    ],
)
async def test_search_wildcards_are_literal(
    make_product: ProductFactory, list_products: ListProducts, term: str, expected: set[str]
) -> None:
    for name in ["50% off", "50 off", "5 off", "a_b", "axb", "aab", "back\\slash", "backslash"]:
        await make_product(name=name)

    page = await list_products(search=term)

    assert set(names(page)) == expected
    assert page["total"] == len(expected)


# --- Filters ---


@pytest.mark.parametrize("status", list(ProductStatus))
async def test_status_filter_returns_only_that_status(
    make_product: ProductFactory, list_products: ListProducts, status: ProductStatus
) -> None:
    for each in ProductStatus:
        await make_product(name=f"Is {each.value}", status=each)

    page = await list_products(status=status.value)

    assert names(page) == [f"Is {status.value}"]
    assert page["items"][0]["status"] == status.value


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        pytest.param({"min_price": "12.50"}, {"12.50", "12.51", "99.99"}, id="min-inclusive"),
        pytest.param({"min_price": 12.51}, {"12.51", "99.99"}, id="min-as-number"),
        pytest.param({"max_price": "12.50"}, {"0.01", "12.49", "12.50"}, id="max-inclusive"),
        pytest.param({"max_price": "12"}, {"0.01"}, id="max-whole"),
        pytest.param({"min_price": "12.49", "max_price": "12.51"}, {"12.49", "12.50", "12.51"}),
        pytest.param({"min_price": "12.50", "max_price": "12.50"}, {"12.50"}, id="min-equals-max"),
        pytest.param({"min_price": "0"}, {"0.01", "12.49", "12.50", "12.51", "99.99"}),
        pytest.param({"min_price": "100"}, set(), id="above-all"),
    ],
)
async def test_price_filters_are_inclusive_bounds(
    make_product: ProductFactory,
    list_products: ListProducts,
    params: dict[str, Any],
    expected: set[str],
) -> None:
    for price in ["0.01", "12.49", "12.50", "12.51", "99.99"]:
        await make_product(price=price)

    page = await list_products(**params)

    assert {item["price"] for item in page["items"]} == expected
    assert page["total"] == len(expected)


@pytest.mark.parametrize(
    ("low_stock", "expected"),
    [(0, set()), (1, {0}), (5, {0, 1, 4}), (6, {0, 1, 4, 5}), (1000, {0, 1, 4, 5, 6})],
)
async def test_low_stock_returns_stock_strictly_below_it(
    make_product: ProductFactory, list_products: ListProducts, low_stock: int, expected: set[int]
) -> None:
    for stock in [0, 1, 4, 5, 6]:
        await make_product(stock_quantity=stock)

    page = await list_products(low_stock=low_stock)

    assert {item["stock_quantity"] for item in page["items"]} == expected
    assert page["total"] == len(expected)


async def test_filters_combine(make_product: ProductFactory, list_products: ListProducts) -> None:
    await make_product(name="Cable match", price="10.00", stock_quantity=1)
    await make_product(name="Cable pricey", price="50.00", stock_quantity=1)
    await make_product(name="Cable stocked", price="10.00", stock_quantity=100)
    await make_product(
        name="Cable inactive", price="10.00", stock_quantity=1, status=ProductStatus.INACTIVE
    )
    await make_product(name="Plug match", price="10.00", stock_quantity=1)

    page = await list_products(search="cable", max_price="20", low_stock=5, status="active")

    assert names(page) == ["Cable match"]
    assert page["total"] == 1


# --- Sorting and paging ---


@pytest.mark.parametrize("sort", ALL_SORTS)
async def test_sort_orders_by_the_column_with_id_breaking_ties(
    sortable: list[Product], list_products: ListProducts, sort: str
) -> None:
    page = await list_products(sort=sort)

    key = SORT_KEYS[sort.removeprefix("-")]
    descending = sort.startswith("-")
    expected = sorted(page["items"], key=lambda item: (key(item), item["id"]), reverse=descending)
    assert ids(page) == [item["id"] for item in expected]
    assert len(page["items"]) == len(SORTABLE)


async def test_sorts_differ_so_each_one_is_really_applied(
    sortable: list[Product], list_products: ListProducts
) -> None:
    orders = {tuple(ids(await list_products(sort=sort))) for sort in ALL_SORTS}

    assert len(orders) == len(ALL_SORTS)


async def test_the_default_sort_is_by_name(
    sortable: list[Product], list_products: ListProducts
) -> None:
    default = await list_products()

    assert default == await list_products(sort="name")
    assert names(default) == sorted(name for name, _, _ in SORTABLE)


@pytest.mark.parametrize("sort", ALL_SORTS)
async def test_pages_are_disjoint_and_together_cover_every_match(
    sortable: list[Product], list_products: ListProducts, sort: str
) -> None:
    everything = ids(await list_products(sort=sort))

    paged: list[int] = []
    for offset in range(0, len(SORTABLE) + 2, 2):
        page = await list_products(sort=sort, limit=2, offset=offset)
        assert page["total"] == len(SORTABLE)
        assert len(page["items"]) == len(everything[offset : offset + 2])
        paged.extend(ids(page))

    assert paged == everything
    assert sorted(paged) == sorted(product.id for product in sortable)


# --- Keyset pagination (cursor) ---


async def walk_by_cursor(list_products: ListProducts, **params: Any) -> list[dict[str, Any]]:
    """Every page from the first, each asked for with the previous page's `next_cursor`."""
    pages = [await list_products(**params)]
    while pages[-1]["next_cursor"] is not None:
        pages.append(await list_products(**params, cursor=pages[-1]["next_cursor"]))
    return pages


@pytest.mark.parametrize("sort", ALL_SORTS)
async def test_cursor_pages_walk_the_same_order_as_one_long_page(
    sortable: list[Product], list_products: ListProducts, sort: str
) -> None:
    everything = ids(await list_products(sort=sort, search="srt"))

    pages = await walk_by_cursor(list_products, sort=sort, search="srt", limit=2)

    assert [ids(page) for page in pages] == [everything[0:2], everything[2:4], everything[4:5]]
    assert [page["total"] for page in pages] == [len(SORTABLE)] * 3
    assert [page["offset"] for page in pages] == [0, 0, 0]


async def test_an_exactly_full_last_page_has_no_next_cursor(
    sortable: list[Product], list_products: ListProducts
) -> None:
    first = await list_products(search="srt", limit=4)
    last = await list_products(search="srt", limit=4, cursor=first["next_cursor"])

    assert first["next_cursor"] is not None
    assert len(last["items"]) == 1
    assert last["next_cursor"] is None
    assert (await list_products(search="srt", limit=5))["next_cursor"] is None


async def test_offset_pages_give_a_cursor_that_continues_after_them(
    sortable: list[Product], list_products: ListProducts
) -> None:
    everything = ids(await list_products(sort="-price", search="srt"))

    middle = await list_products(sort="-price", search="srt", limit=2, offset=1)
    after = await list_products(sort="-price", search="srt", limit=2, cursor=middle["next_cursor"])

    assert ids(middle) + ids(after) == everything[1:5]


async def test_a_cursor_page_keeps_its_place_when_rows_are_added_before_it(
    sortable: list[Product], list_products: ListProducts, make_product: ProductFactory
) -> None:
    first = await list_products(sort="name", search="srt", limit=2)
    await make_product(name="Srtaardvark")  # sorts before everything already seen

    second = await list_products(sort="name", search="srt", limit=2, cursor=first["next_cursor"])
    by_offset = await list_products(sort="name", search="srt", limit=2, offset=2)

    assert set(ids(first)).isdisjoint(ids(second))
    assert ids(by_offset)[0] == ids(first)[-1]  # an offset page repeats a row; the cursor doesn't


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param("not base64 at all!", id="garbage"),
        pytest.param("WyJuYW1lIiwgIngiXQ", id="two-fields"),  # ["name", "x"]
        pytest.param("WyJuYW1lIiwgMSwgMV0", id="number-for-a-name"),  # ["name", 1, 1]
        pytest.param("WyItcHJpY2UiLCAiMS4wMCIsIDFd", id="another-sort"),  # ["-price", "1.00", 1]
        pytest.param("WyJuYW1lIiwgIngiLCAieSJd", id="text-id"),  # ["name", "x", "y"]
    ],
)
async def test_a_cursor_this_list_did_not_give_out_is_a_422(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders, cursor: str
) -> None:
    response = await client.get(
        PRODUCTS_URL, params={"sort": "name", "cursor": cursor}, headers=auth_headers(admin)
    )

    assert_error(response, 422, "invalid_cursor")


async def test_cursor_and_offset_together_are_a_422(
    client: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders
) -> None:
    response = await client.get(
        PRODUCTS_URL,
        params={"cursor": "WyJuYW1lIiwgIngiLCAxXQ", "offset": 5},
        headers=auth_headers(admin),
    )

    body = assert_error(response, 422, "validation_error")
    assert [error["type"] for error in body["detail"]] == ["cursor_with_offset"]


# --- Totals of unfiltered lists (maintained counts) ---


async def test_unfiltered_totals_stay_exact_through_creates_status_changes_and_deletes(
    client: httpx.AsyncClient,
    session: AsyncSession,
    make_product: ProductFactory,
    admin: User,
    user: User,
    auth_headers: AuthHeaders,
) -> None:
    """The totals without search or bounds come from counts kept by triggers; each step is
    checked against a real count of what each viewer may see."""

    async def totals() -> list[int]:
        return [
            (await read_ok(client, PRODUCTS_URL, auth_headers(viewer), **params))["total"]
            for viewer, params in (
                (user, {}),
                (admin, {}),
                (admin, {"status": "archived"}),
                (user, {"status": "inactive"}),
            )
        ]

    async def counted() -> list[int]:
        rows = await session.execute(select(Product.status, func.count()).group_by(Product.status))
        by_status: dict[ProductStatus, int] = dict(rows.all())
        active, inactive, archived = (
            by_status.get(status, 0)
            for status in (ProductStatus.ACTIVE, ProductStatus.INACTIVE, ProductStatus.ARCHIVED)
        )
        return [active, active + inactive, archived, 0]

    await make_product(status=ProductStatus.ACTIVE)
    inactive = await make_product(status=ProductStatus.INACTIVE)
    await make_product(status=ProductStatus.ARCHIVED)
    assert await totals() == await counted()

    changed = await client.patch(
        product_url(inactive.id), json={"status": "active"}, headers=auth_headers(admin)
    )
    assert changed.status_code == 200, changed.text
    assert await totals() == await counted()

    created = await client.post(
        PRODUCTS_URL, json=new_product(sku="TOTAL-1"), headers=auth_headers(admin)
    )
    assert created.status_code == 201, created.text
    deleted = await client.delete(product_url(inactive.id), headers=auth_headers(admin))
    assert deleted.status_code == 204, deleted.text
    assert await totals() == await counted()


async def test_a_broad_search_is_counted_up_to_the_cap_and_its_cursor_walks_every_match(
    session: AsyncSession, list_products: ListProducts
) -> None:
    await session.execute(
        insert(Product),
        [
            {
                "name": f"Capoak {n}",
                "sku": f"CAP-{n}",
                "price": Decimal("1.00"),
                "stock_quantity": 1,
            }
            for n in range(TOTAL_CAP + 1)
        ],
    )

    first = await list_products(search="capoak", limit=MAX_PAGE_SIZE)
    assert (first["total"], first["total_capped"]) == (TOTAL_CAP, True)
    seen, cursor = ids(first), first["next_cursor"]
    while cursor is not None:
        page = await list_products(search="capoak", limit=MAX_PAGE_SIZE, cursor=cursor)
        assert (page["total"], page["total_capped"]) == (TOTAL_CAP, True)
        seen, cursor = seen + ids(page), page["next_cursor"]
    assert len(set(seen)) == TOTAL_CAP + 1

    # The maintained counts are exact, and not capped.
    everything = await list_products()
    assert everything["total"] > TOTAL_CAP
    assert everything["total_capped"] is False

    await session.execute(delete(Product).where(Product.sku == "CAP-0"))
    exact = await list_products(search="capoak")
    assert (exact["total"], exact["total_capped"]) == (TOTAL_CAP, False)
