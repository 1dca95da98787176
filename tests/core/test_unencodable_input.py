"""Query values the schema accepts but PostgreSQL or its driver can't take: a 422, never a 503
`database_unavailable` (the driver's encoding errors look like a lost connection) nor a 500.
Date-times without an offset are UTC, whatever the server's own time zone; lists refuse
offsets past MAX_OFFSET and point to the cursor instead; a database error is logged without
the values the request sent."""

import base64
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory
from fastapi import FastAPI, Request
from helpers import assert_error, assert_ok
from sqlalchemy import text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.dependencies import SessionDep
from app.core.pagination import MAX_OFFSET
from app.orders.models import Order
from app.users.models import User

ORDERS_URL = "/api/orders"
PRODUCTS_URL = "/api/products"
USERS_URL = "/api/users"


def cursor(*payload: Any) -> str:
    """A cursor as the lists encode theirs, with whatever is inside."""
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "params",
    [
        pytest.param({"created_from": "0001-01-01T00:00:00+14:00"}, id="before-year-1-in-utc"),
        pytest.param({"created_to": "9999-12-31T23:00:00-14:00"}, id="after-year-9999-in-utc"),
    ],
)
async def test_a_date_time_beyond_the_calendar_in_utc_is_a_422(
    served: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders, params: dict[str, str]
) -> None:
    response = await served.get(ORDERS_URL, params=params, headers=auth_headers(admin))

    body = assert_error(response, 422, "validation_error")
    assert body["detail"][0]["type"] == "datetime_out_of_range"


@pytest.mark.parametrize(
    ("url", "sort", "value"),
    [
        pytest.param(ORDERS_URL, "-created_at", "0001-01-01T00:00:00+14:00", id="date-time"),
        pytest.param(ORDERS_URL, "total_amount", "1e999999", id="huge-decimal"),
        pytest.param(ORDERS_URL, "total_amount", "NaN", id="not-a-number"),
        pytest.param(PRODUCTS_URL, "stock_quantity", 2**40, id="integer-beyond-int4"),
        pytest.param(PRODUCTS_URL, "name", "Nul\u0000", id="nul-in-text"),
        pytest.param(USERS_URL, "username", "a", id="valid-value"),
    ],
)
async def test_a_forged_cursor_the_database_cannot_take_is_a_422(
    served: httpx.AsyncClient,
    admin: User,
    auth_headers: AuthHeaders,
    url: str,
    sort: str,
    value: Any,
) -> None:
    # The last case's value is fine; its id, beyond any `integer`, is not.
    tiebreak = 2**40 if url == USERS_URL else 1
    response = await served.get(
        url,
        params={"sort": sort, "cursor": cursor(sort, value, tiebreak)},
        headers=auth_headers(admin),
    )

    assert_error(response, 422, "invalid_cursor")


@pytest.fixture
def local_zone_east_of_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local time zone at UTC+8, as a server in China might run."""
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("local_zone_east_of_utc")
async def test_a_date_time_without_an_offset_is_utc_whatever_the_servers_zone(
    served: httpx.AsyncClient,
    session: AsyncSession,
    user: User,
    auth_headers: AuthHeaders,
    make_product: ProductFactory,
) -> None:
    product = await make_product()
    placed = await served.post(
        ORDERS_URL,
        json={"items": [{"product_id": product.id, "quantity": 1}]},
        headers=auth_headers(user),
    )
    order_id = assert_ok(placed, 201)["id"]
    await session.execute(
        update(Order)
        .where(Order.id == order_id)
        .values(created_at=datetime(2026, 1, 15, 0, 30, tzinfo=UTC))
    )
    await session.commit()

    window = {"created_from": "2026-01-15T00:00:00", "created_to": "2026-01-15T01:00:00"}
    found = assert_ok(await served.get(ORDERS_URL, params=window, headers=auth_headers(user)))

    assert [order["id"] for order in found["items"]] == [order_id]


@pytest.mark.parametrize("url", [ORDERS_URL, PRODUCTS_URL, USERS_URL])
async def test_an_offset_past_the_cap_is_a_422_pointing_to_the_cursor(
    served: httpx.AsyncClient, admin: User, auth_headers: AuthHeaders, url: str
) -> None:
    headers = auth_headers(admin)
    assert_ok(await served.get(url, params={"offset": MAX_OFFSET}, headers=headers))

    response = await served.get(url, params={"offset": MAX_OFFSET + 1}, headers=headers)

    body = assert_error(response, 422, "offset_too_large")
    assert "cursor" in body["detail"]
    assert body["max_offset"] == MAX_OFFSET


@pytest.mark.parametrize(
    ("statement", "value"),
    [
        pytest.param("SELECT CAST(:value AS integer)", 2**40, id="driver-cannot-encode"),
        pytest.param("SELECT CAST(:value AS integer)", "twelve", id="database-cannot-read"),
    ],
)
async def test_what_still_slips_past_the_schemas_is_a_422_not_a_503(
    app: FastAPI, served: httpx.AsyncClient, statement: str, value: object
) -> None:
    """The backstop behind the schemas, with the real driver's and database's errors: a route
    of this test's own sends the value on."""

    async def send_on(session: SessionDep) -> None:
        await session.execute(text(statement), {"value": value})

    app.add_api_route("/api/test-only/send-on", send_on)

    response = await served.get("/api/test-only/send-on")

    assert_error(response, 422, "unstorable_value")


async def test_an_unexpected_database_error_logs_the_statement_but_never_its_parameters(
    app: FastAPI, served: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "someone@example.com-typed-this"

    async def fail(request: Request) -> None:
        # On the app's own engine: the test's sessions run on the test's.
        async with request.app.state.sessionmaker() as session:
            await session.execute(
                text("SELECT * FROM no_such_table WHERE email = :email"), {"email": secret}
            )

    app.add_api_route("/api/test-only/fail", fail)

    response = await served.get("/api/test-only/fail")

    assert_error(response, 500, "internal_error")
    logged = capsys.readouterr().err
    assert "no_such_table" in logged
    assert secret not in logged
