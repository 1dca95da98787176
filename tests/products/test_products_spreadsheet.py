"""GET /api/products/export.csv and POST /api/products/import: products to and from
spreadsheets. An exported file imports back as all "unchanged"; an import is all or nothing."""

import asyncio
import io
import zipfile
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from conftest import AuthHeaders, ProductFactory
from helpers import LiveShop, assert_error, assert_ok
from products_support import stored_products
from spreadsheet_support import (
    CHINESE_HEADER,
    EXPORT_URL,
    HEADER,
    actions,
    csv_file,
    csv_rows,
    upload,
    xlsx_file,
)
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.products.models import Product, ProductStatus
from app.products.spreadsheet import MAX_FILE_BYTES, MAX_ROWS
from app.users.models import User

# What a spreadsheet would run as a formula, Chinese text, and a description that needs
# quoting: each must come back exactly.
FORMULA_NAME = '=HYPERLINK("http://evil.example","点击")'
QUOTED_DESCRIPTION = 'Says "hello",\nthen, on a second line: @once; -1 +1'


@pytest.fixture
def admin_headers(admin: User, auth_headers: AuthHeaders) -> dict[str, str]:
    return auth_headers(admin)


async def product_by_sku(session: AsyncSession, sku: str) -> Product | None:
    session.expire_all()
    found: Product | None = await session.scalar(select(Product).where(Product.sku == sku))
    return found


# --- export ---


async def test_the_export_is_a_dated_csv_attachment_for_excel(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    make_product: ProductFactory,
    settings: Settings,
) -> None:
    await make_product(sku="A-1", name="茶壶", price="34.90", stock_quantity=7)

    response = await client.get(EXPORT_URL, headers=admin_headers)

    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    today = datetime.now(settings.business_timezone).date()
    assert response.headers["content-disposition"] == (
        f'attachment; filename="products-{today}.csv"'
    )
    assert response.content.startswith("\ufeff".encode())
    assert response.content.endswith(b"\r\n")
    assert csv_rows(response) == [HEADER, ["A-1", "茶壶", "", "34.90", "7", "active"]]


async def test_the_export_neutralises_formulas_and_names_columns_in_chinese(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    make_product: ProductFactory,
) -> None:
    await make_product(sku="F-1", name=FORMULA_NAME, description=QUOTED_DESCRIPTION)

    response = await client.get(EXPORT_URL, params={"lang": "zh-CN"}, headers=admin_headers)

    header, row = csv_rows(response)
    assert header == CHINESE_HEADER
    assert row[:3] == ["F-1", "'" + FORMULA_NAME, QUOTED_DESCRIPTION]


async def test_the_export_takes_the_lists_filters_and_leaves_archived_products_out(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    make_product: ProductFactory,
) -> None:
    await make_product(sku="ON-1")
    await make_product(sku="OFF-1", status=ProductStatus.INACTIVE)
    await make_product(sku="GONE-1", status=ProductStatus.ARCHIVED)
    await make_product(sku="ON-2", price="99.00")

    async def skus(**params: str) -> list[str]:
        response = await client.get(EXPORT_URL, params=params, headers=admin_headers)
        return [row[0] for row in csv_rows(response)[1:]]

    assert await skus() == ["ON-1", "OFF-1", "ON-2"]
    assert await skus(status="archived") == ["GONE-1"]
    assert await skus(search="on-", max_price="50") == ["ON-1"]


async def test_the_export_pages_through_more_products_than_a_page(
    client: httpx.AsyncClient, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    session.add_all(
        Product(
            name=f"P{index}",
            sku=f"MANY-{index:05d}",
            price=Decimal(1),
            stock_quantity=1,
        )
        for index in range(2_500)
    )
    await session.commit()

    response = await client.get(EXPORT_URL, headers=admin_headers)

    skus = [row[0] for row in csv_rows(response)[1:]]
    assert skus == [f"MANY-{index:05d}" for index in range(2_500)]


async def test_a_bad_filter_is_a_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get(EXPORT_URL, params={"lang": "fr"}, headers=admin_headers)

    assert_error(response, 422, "validation_error")


# --- round trip ---


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
async def test_an_exported_file_imports_back_as_all_unchanged(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    make_product: ProductFactory,
    session: AsyncSession,
    lang: str,
) -> None:
    await make_product(sku="RT-1", name=FORMULA_NAME, description=QUOTED_DESCRIPTION)
    await make_product(sku="RT-2", name="绿茶 Green tea", description="", price="0.01")
    await make_product(sku="rt-3", name="'=already quoted", stock_quantity=0)
    await make_product(sku="RT-4", name="Off", status=ProductStatus.INACTIVE)
    exported = await client.get(EXPORT_URL, params={"lang": lang}, headers=admin_headers)
    before = await stored_products(session)

    dry_run = assert_ok(await upload(client, admin_headers, exported.content, dry_run=True))
    real = assert_ok(await upload(client, admin_headers, exported.content))

    for report in (dry_run, real):
        assert actions(report) == [
            (2, "unchanged"),
            (3, "unchanged"),
            (4, "unchanged"),
            (5, "unchanged"),
        ]
        assert (report["unchanged"], report["created"], report["updated"]) == (4, 0, 0)
    assert await stored_products(session) == before


# --- import ---


async def test_an_import_creates_new_skus_and_updates_known_ones_whatever_their_case(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    make_product: ProductFactory,
    session: AsyncSession,
) -> None:
    await make_product(sku="KNOWN-1", name="Old name", price="5.00", stock_quantity=3)
    content = csv_file(
        [
            ["known-1", "New name", "", "5.00", "40", "active"],
            ["NEW-1", "雨伞", "Folds\r\nsmall", "12.5", "2", "inactive"],
        ],
        bom=True,
    )

    report = assert_ok(await upload(client, admin_headers, content))

    assert report["dry_run"] is False
    assert report["rows"] == [
        {
            "row": 2,
            "sku": "known-1",
            "action": "update",
            "changed": ["sku", "name", "stock_quantity"],
            "errors": [],
        },
        {"row": 3, "sku": "NEW-1", "action": "create", "changed": [], "errors": []},
    ]
    updated = await product_by_sku(session, "known-1")
    assert updated is not None
    assert (updated.name, updated.stock_quantity, updated.price) == (
        "New name",
        40,
        Decimal("5.00"),
    )
    created = await product_by_sku(session, "NEW-1")
    assert created is not None
    assert (created.name, created.description, created.price, created.status) == (
        "雨伞",
        "Folds\r\nsmall",
        Decimal("12.50"),
        ProductStatus.INACTIVE,
    )


async def test_a_csv_without_a_bom_and_with_chinese_headers_imports_the_same(
    client: httpx.AsyncClient, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    content = csv_file([["CN-1", "筷子", "竹制", "8.80", "100", "active"]], header=CHINESE_HEADER)

    assert actions(assert_ok(await upload(client, admin_headers, content))) == [(2, "create")]
    created = await product_by_sku(session, "CN-1")
    assert created is not None
    assert (created.name, created.description) == ("筷子", "竹制")


async def test_an_xlsx_workbook_imports_with_numbers_as_numbers(
    client: httpx.AsyncClient, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    content = xlsx_file(
        [
            ["XL-1", "=not a formula to us", "第一行\n第二行", 34.9, 25, "active"],
            [None, None, None, None, None, None],
            ["XL-2", "Second", None, "7", 0, "inactive"],
        ]
    )

    report = assert_ok(await upload(client, admin_headers, content, filename="Products.XLSX"))

    # The blank row keeps its number, as in the sheet.
    assert actions(report) == [(2, "create"), (4, "create")]
    first = await product_by_sku(session, "XL-1")
    assert first is not None
    assert (first.name, first.description, first.price, first.stock_quantity) == (
        "=not a formula to us",
        "第一行\n第二行",
        Decimal("34.90"),
        25,
    )


async def test_a_dry_run_reports_each_row_and_writes_nothing(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    make_product: ProductFactory,
    session: AsyncSession,
) -> None:
    await make_product(sku="SAME-1", name="Same", price="1.00", stock_quantity=1)
    await make_product(sku="MOVE-1", name="Move", price="1.00", stock_quantity=1)
    before = await stored_products(session)
    content = csv_file(
        [
            ["SAME-1", "Same", "", "1.00", "1", "active"],
            ["MOVE-1", "Move", "", "2.00", "1", "active"],
            ["ADD-1", "Add", "", "1.00", "1", "active"],
            ["BAD-1", "", "", "0", "-1", "gone"],
        ]
    )

    report = assert_ok(await upload(client, admin_headers, content, dry_run=True))

    assert report["dry_run"] is True
    assert actions(report) == [
        (2, "unchanged"),
        (3, "update"),
        (4, "create"),
        (5, "error"),
    ]
    assert report["rows"][1]["changed"] == ["price"]
    assert {problem["field"] for problem in report["rows"][3]["errors"]} == {
        "name",
        "price",
        "stock_quantity",
        "status",
    }
    assert (
        report["created"],
        report["updated"],
        report["unchanged"],
        report["errors"],
    ) == (
        1,
        1,
        1,
        1,
    )
    assert await stored_products(session) == before


async def test_a_real_import_with_one_bad_row_writes_nothing_and_reports_every_row(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    make_product: ProductFactory,
    session: AsyncSession,
) -> None:
    await make_product(sku="KEEP-1", name="Keep", price="1.00")
    before = await stored_products(session)
    content = csv_file(
        [
            ["KEEP-1", "Renamed", "", "1.00", "1", "active"],
            ["ADD-1", "Add", "", "1.00", "1", "active"],
            ["ADD-2", "Add", "", "1.001", "many", "active"],
        ]
    )

    body = assert_error(await upload(client, admin_headers, content), 422, "import_rows_invalid")

    assert actions(body) == [(2, "update"), (3, "create"), (4, "error")]
    assert body["rows"][2]["errors"] == [
        {
            "field": "price",
            "message": "An amount is digits with at most two decimals, like 19.90",
        },
        {"field": "stock_quantity", "message": "Input should be a valid integer"},
    ]
    assert await stored_products(session) == before


async def test_a_sku_twice_in_the_file_is_an_error_on_its_second_row(
    client: httpx.AsyncClient, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    content = csv_file(
        [
            ["TWICE-1", "First", "", "1.00", "1", "active"],
            ["OTHER-1", "Other", "", "1.00", "1", "active"],
            ["twice-1", "Second", "", "1.00", "1", "active"],
        ]
    )

    body = assert_error(await upload(client, admin_headers, content), 422, "import_rows_invalid")

    assert actions(body) == [(2, "create"), (3, "create"), (4, "error")]
    assert body["rows"][2]["errors"] == [{"field": "sku", "message": "Row 2 has this SKU already"}]
    assert await stored_products(session) == []


@pytest.mark.parametrize(
    ("header", "problems"),
    [
        (
            [*HEADER, "colour"],
            {"unknown": ["colour"], "missing": [], "duplicated": []},
        ),
        (HEADER[:-1], {"unknown": [], "missing": ["status"], "duplicated": []}),
        ([*HEADER, "价格"], {"unknown": [], "missing": [], "duplicated": ["price"]}),
    ],
    ids=["unknown", "missing", "duplicated"],
)
async def test_a_wrong_column_is_a_422_naming_it(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    header: list[str],
    problems: dict[str, list[str]],
) -> None:
    content = csv_file([["C-1", "C", "", "1.00", "1", "active", "x"]], header=header)

    body = assert_error(await upload(client, admin_headers, content), 422, "import_columns_invalid")

    assert {key: body[key] for key in problems} == problems
    named = [*problems["unknown"], *problems["missing"], *problems["duplicated"]]
    assert named[0] in body["detail"]


async def test_an_empty_file_is_missing_every_column(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    body = assert_error(await upload(client, admin_headers, b""), 422, "import_columns_invalid")

    assert body["missing"] == HEADER


async def test_a_file_over_the_size_limit_is_a_413(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    content = csv_file([]) + b"x" * MAX_FILE_BYTES

    body = assert_error(await upload(client, admin_headers, content), 413, "import_file_too_large")

    assert body["max_bytes"] == MAX_FILE_BYTES


async def test_more_rows_than_the_limit_is_a_422_and_writes_nothing(
    client: httpx.AsyncClient, admin_headers: dict[str, str], session: AsyncSession
) -> None:
    rows = [[f"R-{index}", "R", "", "1", "1", "active"] for index in range(MAX_ROWS + 1)]

    response = await upload(client, admin_headers, csv_file(rows))

    assert assert_error(response, 422, "import_too_many_rows")["max_rows"] == MAX_ROWS
    assert await stored_products(session) == []


def workbook_with_broken_sheet() -> bytes:
    """A real workbook whose first sheet's XML is cut short."""
    whole = io.BytesIO(xlsx_file([["B-1", "B", "", "1", "1", "active"]]))
    broken = io.BytesIO()
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(broken, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    return broken.getvalue()


@pytest.mark.parametrize(
    ("filename", "content", "code"),
    [
        ("products.xlsx", workbook_with_broken_sheet(), "import_file_unreadable"),
        (
            "products.csv",
            "sku,name\r\n雨伞,伞\r\n".encode("gbk"),
            "import_file_not_utf8",
        ),
        ("products.pdf", b"%PDF-1.7\n\x00\x01\x02binary", "import_file_unreadable"),
        ("products.xlsx", b"PK\x03\x04 but not a workbook", "import_file_unreadable"),
        (
            "products.csv",
            csv_file([]) + b'Q-1,"unclosed quote\r\n',
            "import_file_unreadable",
        ),
    ],
    ids=["broken-sheet", "gbk-csv", "binary", "broken-xlsx", "broken-quoting"],
)
async def test_an_unreadable_file_is_a_422_saying_why(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    filename: str,
    content: bytes,
    code: str,
) -> None:
    assert_error(await upload(client, admin_headers, content, filename=filename), 422, code)


async def test_an_archived_products_sku_updates_it_rather_than_adding_a_twin(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    session: AsyncSession,
    make_product: ProductFactory,
) -> None:
    # Archived products are out of the export, but their SKUs are still taken.
    await make_product(sku="CASE-1", status=ProductStatus.ARCHIVED)
    content = csv_file([["case-1", "Back", "", "1.00", "1", "active"]])

    report = assert_ok(await upload(client, admin_headers, content))

    assert actions(report) == [(2, "update")]
    assert await session.scalar(select(func.count()).select_from(Product)) == 1


# --- concurrency ---


async def test_two_imports_of_the_same_new_sku_at_once_create_it_once(
    live_shop: LiveShop,
) -> None:
    content = csv_file([["RACE-1", "Raced", "", "3.00", "9", "active"]])

    responses: list[Any] = await asyncio.gather(
        *(upload(live_shop.client, live_shop.admin_headers, content) for _ in range(2))
    )

    reports = [assert_ok(response) for response in responses]
    assert sorted(actions(report)[0][1] for report in reports) == [
        "create",
        "unchanged",
    ]
    assert await live_shop.count(Product) == 1
