"""GET /api/stats/daily and /api/stats/top-products: business days, the statuses that count,
the period's limits and who may ask."""

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory, Serve, UserFactory
from helpers import (
    LiveShop,
    assert_error,
    assert_ok,
    assert_unauthorized,
    count_statements,
    order_items,
    read_ok,
)
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.orders.models import Order, OrderStatus
from app.products.models import Product
from app.users.models import User

DAILY_URL = "/api/stats/daily"
TOP_URL = "/api/stats/top-products"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(moment: str) -> datetime:
    """A moment in UTC: `at("2026-03-09 16:30")`."""
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


class Sales:
    """Orders written straight to the database with the creation time a test needs, as the
    API would have stored them."""

    def __init__(self, session: AsyncSession, customer: User) -> None:
        self._session = session
        self._customer = customer

    async def __call__(
        self,
        created_at: datetime,
        *lines: tuple[Product, int],
        status: OrderStatus = OrderStatus.PAID,
    ) -> None:
        items = order_items(*lines)
        total = sum((item.line_total for item in items), Decimal("0"))
        self._session.add(
            Order(
                user_id=self._customer.id,
                status=status,
                total_amount=total,
                items=items,
                created_at=created_at,
            )
        )
        await self._session.commit()


Headers = dict[str, str]


@pytest.fixture
def staff(admin: User, auth_headers: AuthHeaders) -> Headers:
    return auth_headers(admin)


def between(first: str, last: str) -> dict[str, str]:
    """The query of a period: `from` is a Python keyword."""
    return {"from": first, "to": last}


@pytest.fixture
async def sell(session: AsyncSession, make_user: UserFactory) -> Sales:
    return Sales(session, await make_user())


def day(iso: str, orders: int = 0, revenue: str = "0.00") -> dict[str, Any]:
    return {"date": iso, "orders": orders, "revenue": revenue}


async def _daily(
    client: httpx.AsyncClient, headers: dict[str, str], **params: str
) -> dict[str, Any]:
    return await read_ok(client, DAILY_URL, headers, **params)


# --- Daily ---------------------------------------------------------------------------------


async def test_every_day_of_the_period_is_listed_with_zeros_where_nothing_sold(
    client: httpx.AsyncClient, staff: Headers, make_product: ProductFactory, sell: Sales
) -> None:
    lamp = await make_product(price="10.00")
    await sell(at("2026-03-02 04:00"), (lamp, 2))
    await sell(at("2026-03-04 01:00"), (lamp, 1))
    await sell(at("2026-03-04 09:00"), (lamp, 3))

    body = await _daily(client, staff, **between("2026-03-01", "2026-03-05"))

    assert body == {
        "from": "2026-03-01",
        "to": "2026-03-05",
        "days": [
            day("2026-03-01"),
            day("2026-03-02", 1, "20.00"),
            day("2026-03-03"),
            day("2026-03-04", 2, "40.00"),
            day("2026-03-05"),
        ],
    }


async def test_days_begin_at_midnight_in_the_business_timezone(
    client: httpx.AsyncClient, staff: Headers, make_product: ProductFactory, sell: Sales
) -> None:
    lamp = await make_product(price="1.00")
    await sell(at("2026-03-09 15:59:59"), (lamp, 1))  # 23:59:59 on the 9th in Shanghai
    await sell(at("2026-03-09 16:30"), (lamp, 2))  # 00:30 on the 10th in Shanghai
    await sell(at("2026-03-10 16:00"), (lamp, 4))  # 00:00 on the 11th: after the period

    body = await _daily(client, staff, **between("2026-03-09", "2026-03-10"))

    assert body["days"] == [day("2026-03-09", 1, "1.00"), day("2026-03-10", 1, "2.00")]


async def test_the_business_timezone_is_a_setting(
    serve: Serve, staff: Headers, make_product: ProductFactory, sell: Sales
) -> None:
    lamp = await make_product(price="1.00")
    await sell(at("2026-03-09 15:59:59"), (lamp, 1))
    await sell(at("2026-03-09 16:30"), (lamp, 2))

    async with serve(BUSINESS_TIMEZONE="UTC") as client:
        body = await _daily(client, staff, **between("2026-03-09", "2026-03-10"))

    assert body["days"] == [day("2026-03-09", 2, "3.00"), day("2026-03-10")]


async def test_only_paid_shipped_and_completed_orders_count(
    client: httpx.AsyncClient, staff: Headers, make_product: ProductFactory, sell: Sales
) -> None:
    prices = {status: Decimal(10**index) for index, status in enumerate(OrderStatus)}
    for status, price in prices.items():
        await sell(at("2026-03-09 04:00"), (await make_product(price=price), 1), status=status)

    body = await _daily(client, staff, **between("2026-03-09", "2026-03-09"))

    # paid 10 + shipped 100 + completed 1000; not pending (1) nor cancelled (10000).
    assert body["days"] == [day("2026-03-09", 3, "1110.00")]


async def test_the_period_defaults_to_the_last_thirty_business_days(
    client: httpx.AsyncClient, staff: Headers
) -> None:
    before = datetime.now(SHANGHAI).date()
    body = await _daily(client, staff)
    after = datetime.now(SHANGHAI).date()

    today = date.fromisoformat(body["to"])
    assert today in {before, after}
    assert body["from"] == (today - timedelta(days=29)).isoformat()
    assert [entry["date"] for entry in body["days"]] == [
        (today - timedelta(days=29 - offset)).isoformat() for offset in range(30)
    ]


async def test_with_only_an_end_the_period_is_the_thirty_days_up_to_it(
    client: httpx.AsyncClient, staff: Headers
) -> None:
    body = await _daily(client, staff, to="2024-03-01")
    assert (body["from"], body["to"], len(body["days"])) == ("2024-02-01", "2024-03-01", 30)
    # Near the first day there is, the period starts there rather than before it.
    body = await _daily(client, staff, to="0001-01-05")
    assert [entry["date"] for entry in body["days"]][:1] == ["0001-01-01"]
    assert len(body["days"]) == 5


async def test_a_leap_year_is_the_longest_period(client: httpx.AsyncClient, staff: Headers) -> None:
    body = await _daily(client, staff, **between("2024-01-01", "2024-12-31"))
    assert len(body["days"]) == 366
    assert body["days"][59]["date"] == "2024-02-29"

    for url in (DAILY_URL, TOP_URL):
        response = await client.get(url, params=between("2024-01-01", "2025-01-01"), headers=staff)
        body = assert_error(response, 422, "date_range_too_long")
        assert body["max_days"] == 366


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-03-10", "to": "2026-03-09"},
        # The end left out is today: a start in the future is after it.
        {"from": "9999-12-31"},
    ],
)
async def test_a_start_after_the_end_is_refused(
    client: httpx.AsyncClient, staff: Headers, params: dict[str, str]
) -> None:
    for url in (DAILY_URL, TOP_URL):
        response = await client.get(url, params=params, headers=staff)
        assert_error(response, 422, "date_range_reversed")


@pytest.mark.parametrize(
    "value", ["2026-3-9", "20260309", "0", "2026-02-30", "2026-03-09T00:00:00", "today", ""]
)
async def test_dates_must_be_calendar_dates_written_yyyy_mm_dd(
    client: httpx.AsyncClient, staff: Headers, value: str
) -> None:
    for name in ("from", "to"):
        response = await client.get(DAILY_URL, params={name: value}, headers=staff)
        body = assert_error(response, 422, "validation_error")
        assert body["detail"][0]["loc"] == ["query", name]


async def test_the_last_day_there_is_can_be_asked_for(
    client: httpx.AsyncClient, staff: Headers
) -> None:
    period = {"from": "9999-12-30", "to": "9999-12-31"}
    body = await _daily(client, staff, **period)
    assert body["days"] == [day("9999-12-30"), day("9999-12-31")]
    body = await read_ok(client, TOP_URL, staff, **period)
    assert body["by_quantity"] == body["by_revenue"] == []


# --- Top products --------------------------------------------------------------------------


def sales(product: Product, quantity: int, revenue: str) -> dict[str, Any]:
    return {
        "product_id": product.id,
        "name": product.name,
        "sku": product.sku,
        "quantity": quantity,
        "revenue": revenue,
    }


async def test_best_sellers_are_ranked_by_units_and_by_revenue(
    client: httpx.AsyncClient, staff: Headers, make_product: ProductFactory, sell: Sales
) -> None:
    pen = await make_product(price="1.00")
    lamp = await make_product(price="50.00")
    mug = await make_product(price="5.00")
    chair = await make_product(price="80.00")
    await sell(at("2026-03-02 04:00"), (pen, 10), (lamp, 1))
    await sell(at("2026-03-03 04:00"), (pen, 5), (mug, 4), status=OrderStatus.COMPLETED)
    await sell(at("2026-03-04 04:00"), (mug, 1), (lamp, 1), status=OrderStatus.SHIPPED)
    # Not sold: a pending order, a cancelled one, and one after the period.
    await sell(at("2026-03-04 04:00"), (chair, 9), status=OrderStatus.PENDING)
    await sell(at("2026-03-04 04:00"), (chair, 9), status=OrderStatus.CANCELLED)
    await sell(at("2026-03-05 16:00"), (chair, 9))

    body = await read_ok(client, TOP_URL, staff, **between("2026-03-01", "2026-03-05"))

    assert body == {
        "from": "2026-03-01",
        "to": "2026-03-05",
        "by_quantity": [sales(pen, 15, "15.00"), sales(mug, 5, "25.00"), sales(lamp, 2, "100.00")],
        "by_revenue": [sales(lamp, 2, "100.00"), sales(mug, 5, "25.00"), sales(pen, 15, "15.00")],
    }


async def test_ties_go_to_the_other_measure_then_to_the_older_product(
    client: httpx.AsyncClient, staff: Headers, make_product: ProductFactory, sell: Sales
) -> None:
    first = await make_product(price="2.00")
    second = await make_product(price="2.00")
    cheap = await make_product(price="1.00")
    dear = await make_product(price="4.00")
    # first and second tie on both; cheap ties them on units, dear on revenue.
    await sell(at("2026-03-02 04:00"), (second, 2), (first, 2), (cheap, 2), (dear, 1))

    body = await read_ok(client, TOP_URL, staff, **between("2026-03-02", "2026-03-02"))

    assert [entry["product_id"] for entry in body["by_quantity"]] == [
        first.id,
        second.id,
        cheap.id,
        dear.id,
    ]
    assert [entry["product_id"] for entry in body["by_revenue"]] == [
        first.id,
        second.id,
        dear.id,
        cheap.id,
    ]


async def test_limit_cuts_each_ranking_on_its_own(
    client: httpx.AsyncClient, staff: Headers, make_product: ProductFactory, sell: Sales
) -> None:
    many = await make_product(price="1.00")
    dear = await make_product(price="100.00")
    middle = await make_product(price="10.00")
    await sell(at("2026-03-02 04:00"), (many, 50), (dear, 1), (middle, 2))

    body = await read_ok(
        client,
        TOP_URL,
        staff,
        **{"from": "2026-03-02", "to": "2026-03-02", "limit": "1"},
    )

    assert body["by_quantity"] == [sales(many, 50, "50.00")]
    assert body["by_revenue"] == [sales(dear, 1, "100.00")]


@pytest.mark.parametrize("limit", ["0", "51", "ten"])
async def test_limit_is_from_one_to_fifty(
    client: httpx.AsyncClient, staff: Headers, limit: str
) -> None:
    response = await client.get(TOP_URL, params={"limit": limit}, headers=staff)
    body = assert_error(response, 422, "validation_error")
    assert body["detail"][0]["loc"] == ["query", "limit"]


@pytest.mark.parametrize("url", [DAILY_URL, TOP_URL])
async def test_one_statement_answers_however_long_the_period(
    client: httpx.AsyncClient,
    staff: Headers,
    make_product: ProductFactory,
    sell: Sales,
    engine: AsyncEngine,
    url: str,
) -> None:
    lamp = await make_product()
    for moment in ("2025-03-02 04:00", "2025-08-02 04:00", "2026-01-02 04:00"):
        await sell(at(moment), (lamp, 1))
    await read_ok(client, url, staff)
    counts = []
    for first in ("2026-01-01", "2025-02-01"):
        with count_statements(engine) as statements:
            await read_ok(client, url, staff, **between(first, "2026-01-31"))
        counts.append(len([sql for sql in statements if sql.lstrip().startswith("SELECT")]))
    # The answer alone: the caller is known from the first read.
    assert counts == [1, 1]


# --- Who may ask, and asking at once -------------------------------------------------------


@pytest.mark.parametrize("url", [DAILY_URL, TOP_URL])
async def test_customers_get_403_and_strangers_401(
    client: httpx.AsyncClient, user: User, auth_headers: AuthHeaders, url: str
) -> None:
    assert_error(await client.get(url, headers=auth_headers(user)), 403, "admin_required")
    assert_unauthorized(await client.get(url), "not_authenticated")


async def test_requests_at_once_each_get_the_whole_answer(live_shop: LiveShop) -> None:
    product_id = await live_shop.add_product(stock=100, price="3.00")
    for _ in range(3):
        order = await live_shop.client.post(
            "/api/orders",
            json={"items": [{"product_id": product_id, "quantity": 2}]},
            headers=live_shop.customer_headers[0],
        )
        paid = await live_shop.client.patch(
            f"/api/orders/{assert_ok(order, 201)['id']}/status",
            json={"status": "paid"},
            headers=live_shop.admin_headers,
        )
        assert_ok(paid)

    responses = await asyncio.gather(
        *(
            live_shop.client.get(url, headers=live_shop.admin_headers)
            for url in [DAILY_URL, TOP_URL] * 5
        )
    )

    daily, top = (assert_ok(response) for response in responses[:2])
    assert daily["days"][-1]["orders"] == 3
    assert daily["days"][-1]["revenue"] == "18.00"
    assert [(entry["quantity"], entry["revenue"]) for entry in top["by_quantity"]] == [(6, "18.00")]
    assert [assert_ok(response) for response in responses] == [daily, top] * 5
