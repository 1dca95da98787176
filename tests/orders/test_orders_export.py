"""GET /api/orders/export.csv: who may export, the list's filters, a row per order or per
line, headers in English or Chinese, and a file that Excel opens right and never runs."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory, Serve, UserFactory
from helpers import assert_error, assert_unauthorized, order_items
from orders_support import ORDERS_URL
from sqlalchemy.ext.asyncio import AsyncSession

from app.orders.export import LINE_COLUMNS, ORDER_COLUMNS
from app.orders.models import Order, OrderStatus
from app.products.models import Product
from app.users.models import User

EXPORT_URL = f"{ORDERS_URL}/export.csv"
BOM = "\ufeff".encode()
ENGLISH_HEADER = [
    "Order number",
    "Status",
    "Created",
    "Customer",
    "Email",
    "Items",
    "Total",
    "Note",
    "Recipient",
    "Phone",
    "Address line 1",
    "Address line 2",
    "City",
    "Region",
    "Postal code",
    "Country",
    "Carrier",
    "Tracking number",
]
# An order with neither an address nor a shipment: its columns after the note.
NO_SHIPMENT = [""] * 10
LINE_HEADER = [*ENGLISH_HEADER, "SKU", "Product", "Unit price", "Quantity", "Line total"]
CHINESE_HEADER = [
    "订单号",
    "状态",
    "下单时间",
    "顾客用户名",
    "顾客邮箱",
    "商品件数",
    "总额",
    "备注",
    "收货人",
    "电话",
    "地址 1",
    "地址 2",
    "城市",
    "省/州",
    "邮编",
    "国家/地区",
    "承运商",
    "运单号",
]

Headers = dict[str, str]


def at(moment: str) -> datetime:
    """A moment in UTC: `at("2026-03-09 16:30")`."""
    return datetime.fromisoformat(moment).replace(tzinfo=UTC)


def parsed(body: bytes) -> list[list[str]]:
    """The file's rows as a spreadsheet reads them: UTF-8 behind its byte order mark."""
    assert body.startswith(BOM)
    return list(csv.reader(io.StringIO(body.removeprefix(BOM).decode(), newline="")))


class Orders:
    """Orders written straight to the database with the number, time and note a test needs,
    as the API would have stored them."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def __call__(
        self,
        customer: User,
        number: str,
        *lines: tuple[Product, int],
        created_at: datetime | None = None,
        status: OrderStatus = OrderStatus.PENDING,
        note: str | None = None,
        shipping_address: dict[str, str | None] | None = None,
        carrier: str | None = None,
        tracking_number: str | None = None,
    ) -> Order:
        items = order_items(*lines)
        order = Order(
            order_number=number,
            user_id=customer.id,
            status=status,
            total_amount=sum((item.line_total for item in items), Decimal("0.00")),
            note=note,
            shipping_address=shipping_address,
            carrier=carrier,
            tracking_number=tracking_number,
            items=items,
            created_at=created_at or at("2026-03-09 08:00"),
        )
        self._session.add(order)
        await self._session.commit()
        return order


@pytest.fixture
def add_order(session: AsyncSession) -> Orders:
    return Orders(session)


@pytest.fixture
def staff(admin: User, auth_headers: AuthHeaders) -> Headers:
    return auth_headers(admin)


@pytest.fixture
async def alice(make_user: UserFactory) -> User:
    return await make_user(username="alice", email="alice@example.com")


@pytest.fixture
async def tea(make_product: ProductFactory) -> Product:
    return await make_product(name='龙井茶 "Dragon Well"', sku="TEA-01", price="12.50")


@pytest.fixture
async def cup(make_product: ProductFactory) -> Product:
    return await make_product(name="Cup", sku="CUP-01", price="3.00")


async def exported(client: httpx.AsyncClient, headers: Headers, **params: str) -> list[list[str]]:
    response = await client.get(EXPORT_URL, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return parsed(response.content)


async def numbers(client: httpx.AsyncClient, headers: Headers, **params: str) -> list[str]:
    """The order numbers the export lists, in its order."""
    return [row[0] for row in (await exported(client, headers, **params))[1:]]


async def test_an_admin_downloads_every_order_as_a_csv_attachment_named_by_business_date(
    client: httpx.AsyncClient,
    staff: Headers,
    add_order: Orders,
    alice: User,
    tea: Product,
    cup: Product,
) -> None:
    await add_order(
        alice,
        "ORD-20260309-000001",
        (tea, 2),
        (cup, 1),
        created_at=at("2026-03-09 08:15:30"),
        status=OrderStatus.SHIPPED,
        note="Leave at the door",
        shipping_address={
            "recipient": "Alice Wang",
            "phone": "+86 138 0000 0000",
            "line1": "1 Century Avenue",
            "line2": None,
            "city": "Shanghai",
            "region": None,
            "postal_code": "200120",
            "country": "CN",
        },
        carrier="SF Express",
        tracking_number="SF1234567890",
    )
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()

    response = await client.get(EXPORT_URL, headers=staff)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    disposition = response.headers["content-disposition"]
    # The day may turn over during the request.
    assert disposition in {
        f'attachment; filename="orders-{day.isoformat()}.csv"'
        for day in (today, datetime.now(ZoneInfo("Asia/Shanghai")).date())
    }
    assert parsed(response.content) == [
        ENGLISH_HEADER,
        [
            "ORD-20260309-000001",
            "shipped",
            "2026-03-09 16:15:30",
            "alice",
            "alice@example.com",
            "3",
            "28.00",
            "Leave at the door",
            "Alice Wang",
            "'+86 138 0000 0000",
            "1 Century Avenue",
            "",
            "Shanghai",
            "",
            "200120",
            "CN",
            "SF Express",
            "SF1234567890",
        ],
    ]


async def test_a_customer_may_not_export_and_nobody_signed_out(
    client: httpx.AsyncClient, auth_headers: AuthHeaders, alice: User
) -> None:
    assert_error(await client.get(EXPORT_URL, headers=auth_headers(alice)), 403, "admin_required")
    assert_unauthorized(await client.get(EXPORT_URL), "not_authenticated")


async def test_the_list_filters_choose_the_orders_and_the_sort_their_order(
    client: httpx.AsyncClient,
    staff: Headers,
    add_order: Orders,
    alice: User,
    make_user: UserFactory,
    tea: Product,
) -> None:
    bob = await make_user(username="bob", email="bob@example.org")
    await add_order(alice, "ORD-20260301-000011", (tea, 1), created_at=at("2026-03-01 02:00"))
    await add_order(
        alice,
        "ORD-20260305-000012",
        (tea, 3),
        created_at=at("2026-03-05 02:00"),
        status=OrderStatus.PAID,
    )
    await add_order(bob, "ORD-20260310-000042", (tea, 2), created_at=at("2026-03-10 02:00"))

    assert await numbers(client, staff) == [
        "ORD-20260310-000042",
        "ORD-20260305-000012",
        "ORD-20260301-000011",
    ]
    assert await numbers(client, staff, status="paid") == ["ORD-20260305-000012"]
    assert await numbers(
        client, staff, created_from="2026-03-02T00:00:00Z", created_to="2026-03-10T00:00:00Z"
    ) == ["ORD-20260305-000012"]
    assert await numbers(client, staff, search="42") == ["ORD-20260310-000042"]
    assert await numbers(client, staff, search="bob@") == ["ORD-20260310-000042"]
    assert await numbers(client, staff, user_id=str(alice.id), sort="total_amount") == [
        "ORD-20260301-000011",
        "ORD-20260305-000012",
    ]


async def test_rows_lines_gives_a_row_per_order_line_with_its_order_repeated(
    client: httpx.AsyncClient,
    staff: Headers,
    add_order: Orders,
    alice: User,
    tea: Product,
    cup: Product,
) -> None:
    await add_order(alice, "ORD-20260309-000001", (tea, 2), (cup, 1))
    await add_order(alice, "ORD-20260309-000002", (cup, 4), created_at=at("2026-03-09 09:00"))
    order = ["alice", "alice@example.com"]

    assert await exported(client, staff, rows="lines") == [
        LINE_HEADER,
        [
            "ORD-20260309-000002",
            "pending",
            "2026-03-09 17:00:00",
            *order,
            "4",
            "12.00",
            "",
            *NO_SHIPMENT,
            "CUP-01",
            "Cup",
            "3.00",
            "4",
            "12.00",
        ],
        [
            "ORD-20260309-000001",
            "pending",
            "2026-03-09 16:00:00",
            *order,
            "3",
            "28.00",
            "",
            *NO_SHIPMENT,
            "TEA-01",
            '龙井茶 "Dragon Well"',
            "12.50",
            "2",
            "25.00",
        ],
        [
            "ORD-20260309-000001",
            "pending",
            "2026-03-09 16:00:00",
            *order,
            "3",
            "28.00",
            "",
            *NO_SHIPMENT,
            "CUP-01",
            "Cup",
            "3.00",
            "1",
            "3.00",
        ],
    ]


async def test_headers_are_chinese_with_lang_zh_cn_from_the_same_columns(
    client: httpx.AsyncClient, staff: Headers
) -> None:
    assert (await exported(client, staff, lang="zh-CN"))[0] == CHINESE_HEADER
    lines = await exported(client, staff, lang="zh-CN", rows="lines")
    assert lines[0] == [*CHINESE_HEADER, "SKU", "商品", "单价", "数量", "小计"]
    assert len(ORDER_COLUMNS) == len(ENGLISH_HEADER)
    assert len(LINE_COLUMNS) == len(LINE_HEADER)


async def test_the_file_has_a_bom_crlf_line_ends_and_keeps_chinese_quotes_and_newlines(
    client: httpx.AsyncClient, staff: Headers, add_order: Orders, alice: User, tea: Product
) -> None:
    note = '请周末送达\n"易碎" , handle with care'
    await add_order(alice, "ORD-20260309-000001", (tea, 1), note=note)

    response = await client.get(EXPORT_URL, params={"rows": "lines"}, headers=staff)

    body = response.content
    assert body.startswith(BOM + b"Order number,Status,")
    # Records end in CRLF; the newline inside the quoted note stays as it was written.
    assert body.count(b"\r\n") == 2
    assert body.endswith(b"\r\n")
    assert '"请周末送达\n""易碎"" , handle with care"'.encode() in body
    [_, row] = parsed(body)
    assert row[LINE_HEADER.index("Note")] == note
    assert row[LINE_HEADER.index("Product")] == '龙井茶 "Dragon Well"'


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)"])
async def test_text_a_spreadsheet_would_run_as_a_formula_is_neutralised(
    client: httpx.AsyncClient,
    staff: Headers,
    add_order: Orders,
    make_user: UserFactory,
    tea: Product,
    formula: str,
) -> None:
    customer = await make_user(username="mallory")
    await add_order(customer, "ORD-20260309-000001", (tea, 1), note=formula)

    [_, row] = await exported(client, staff)

    assert row[ENGLISH_HEADER.index("Note")] == "'" + formula
    # Numbers are data, never escaped.
    assert row[ENGLISH_HEADER.index("Total")] == "12.50"


async def test_times_are_on_the_business_clock_across_the_day_boundary(
    client: httpx.AsyncClient, staff: Headers, add_order: Orders, alice: User, tea: Product
) -> None:
    """16:30 UTC on the 9th is 00:30 on the 10th in Asia/Shanghai, the default zone."""
    await add_order(alice, "ORD-20260310-000001", (tea, 1), created_at=at("2026-03-09 16:30"))

    [_, row] = await exported(client, staff)

    assert row[ENGLISH_HEADER.index("Created")] == "2026-03-10 00:30:00"


async def test_times_and_the_file_name_follow_the_business_timezone_setting(
    serve: Serve, staff: Headers, add_order: Orders, alice: User, tea: Product
) -> None:
    await add_order(alice, "ORD-20260309-000001", (tea, 1), created_at=at("2026-03-09 16:30"))

    async with serve(BUSINESS_TIMEZONE="America/New_York") as client:
        response = await client.get(EXPORT_URL, headers=staff)

    [_, row] = parsed(response.content)
    assert row[ENGLISH_HEADER.index("Created")] == "2026-03-09 12:30:00"  # EDT, UTC-4
    today = datetime.now(ZoneInfo("America/New_York")).date()
    assert f"orders-{today.isoformat()}.csv" in response.headers["content-disposition"]


async def test_an_export_matching_nothing_is_the_header_alone(
    client: httpx.AsyncClient, staff: Headers, add_order: Orders, alice: User, tea: Product
) -> None:
    await add_order(alice, "ORD-20260309-000001", (tea, 1))

    response = await client.get(EXPORT_URL, params={"status": "shipped"}, headers=staff)

    assert response.content == BOM + ",".join(ENGLISH_HEADER).encode() + b"\r\n"


@pytest.mark.parametrize(
    ("params", "loc"),
    [({"rows": "products"}, "rows"), ({"lang": "fr"}, "lang"), ({"status": "lost"}, "status")],
)
async def test_an_unknown_row_mode_language_or_status_is_a_422(
    client: httpx.AsyncClient, staff: Headers, params: dict[str, str], loc: str
) -> None:
    response = await client.get(EXPORT_URL, params=params, headers=staff)

    [error] = assert_error(response, 422, "validation_error")["detail"]
    assert error["loc"] == ["query", loc]
