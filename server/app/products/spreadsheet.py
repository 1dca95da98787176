"""Products to and from spreadsheets: the CSV export, and the import of a CSV file or an
Excel workbook, which takes exactly the export's columns, so an exported file imports back
as all "unchanged".

An import reads and checks the whole file first (every row through `ProductCreate`, the
API's own rules) and writes only if no row has an error, in the caller's transaction.
"""

import csv
import io
import re
import zipfile
import zlib
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.etree.ElementTree import ParseError

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from pydantic import ValidationError
from sqlalchemy import Select, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.locales import Locale
from app.core.spreadsheet import BYTE_ORDER_MARK, Cell, restored
from app.products import service, stock
from app.products.exceptions import (
    ImportColumnProblems,
    ImportColumnsInvalid,
    ImportFileNotUtf8,
    ImportFileTooLarge,
    ImportFileUnreadable,
    ImportRowsInvalid,
    ImportTooManyRows,
)
from app.products.models import Product
from app.products.schemas import (
    ImportAction,
    ImportProblem,
    ImportReport,
    ImportRow,
    ProductCreate,
    ProductFilters,
)
from app.users.callers import Caller

# The product's fields, in the order of the export's columns.
COLUMNS = ("sku", "name", "description", "price", "stock_quantity", "status")
HEADERS: dict[Locale, tuple[str, ...]] = {
    Locale.EN: COLUMNS,
    Locale.ZH_CN: ("SKU", "名称", "描述", "价格", "库存", "状态"),
}
# Either language's header, any case, names its column.
_COLUMN_OF_HEADER = {
    header.casefold(): column
    for headers in HEADERS.values()
    for header, column in zip(headers, COLUMNS, strict=True)
}
# Below nginx's client_max_body_size (1 MiB) with room for the multipart framing, so the API
# and the proxy in front of it refuse the same files. Some 5,000 products with descriptions.
MAX_FILE_BYTES = 1_000_000
# One transaction holds every row's lock: a bound keeps it short.
MAX_ROWS = 5_000
EXPORT_PAGE_SIZE = 1_000
# Imports queue up on this transaction-level advisory lock: two imports creating the same new
# SKU at once would otherwise both find it missing, and the second fail on the unique index.
_IMPORT_LOCK = 0x70726F64  # "prod"
# The import's example in OpenAPI: one product, with the export's English header.
EXAMPLE_FILE = (
    "sku,name,description,price,stock_quantity,status\r\n"
    'KIT-TEAPOT-012,"Stoneware Teapot, 1.2 l",Glazed stoneware with a steel infuser.,'
    "34.90,25,active\r\n"
)
_WHOLE_NUMBER = re.compile(r"^[+-]?[0-9]+$")
_XLSX_MAGIC = b"PK\x03\x04"


# --- export ---


def export_header(lang: Locale) -> tuple[str, ...]:
    return HEADERS[lang]


async def _export_page(
    sessionmaker: async_sessionmaker[AsyncSession], query: Select[Product], after_id: int
) -> list[Product]:
    async with sessionmaker() as session:
        page = await session.scalars(query.where(Product.id > after_id).limit(EXPORT_PAGE_SIZE))
        return list(page)


async def export_rows(
    sessionmaker: async_sessionmaker[AsyncSession], *, viewer: Caller, filters: ProductFilters
) -> AsyncIterator[Sequence[Cell]]:
    """Every product the filters pick, by id, a keyset page at a time: memory stays flat
    and no statement holds a snapshot for the whole download. The first page is read before
    this returns, so that a database failure is still an error status, not a cut file."""
    query = service.filtered_products(viewer, filters).order_by(Product.id)
    first_page = await _export_page(sessionmaker, query, 0)

    async def rows() -> AsyncIterator[Sequence[Cell]]:
        page = first_page
        while True:
            for product in page:
                yield (
                    product.sku,
                    product.name,
                    product.description,
                    product.price,
                    product.stock_quantity,
                    product.status.value,
                )
            if len(page) < EXPORT_PAGE_SIZE:
                return
            page = await _export_page(sessionmaker, query, page[-1].id)

    return rows()


# --- reading a file ---


@dataclass(frozen=True)
class SheetRow:
    number: int  # as a spreadsheet numbers it: the header is row 1
    values: dict[str, str]  # by column; an empty cell is ""


def _csv_records(content: bytes) -> Iterator[list[str]]:
    if b"\x00" in content:
        # No text file holds NUL, and no UTF-8 or legacy-encoded CSV: a binary file.
        raise ImportFileUnreadable
    try:
        decoded = content.decode("utf-8")
    except UnicodeDecodeError:
        raise ImportFileNotUtf8 from None
    text_io = io.StringIO(decoded.removeprefix(BYTE_ORDER_MARK), newline="")
    try:
        yield from csv.reader(text_io, strict=True)
    except csv.Error:
        raise ImportFileUnreadable from None


def _xlsx_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# What openpyxl raises on a file that is no workbook, or one whose parts are broken: not a
# zip, a part missing, XML that doesn't parse or holds what a workbook can't.
_BROKEN_WORKBOOK = (
    InvalidFileException,
    zipfile.BadZipFile,
    zlib.error,
    ParseError,
    KeyError,
    ValueError,
    TypeError,
    OSError,
)


def _xlsx_records(content: bytes) -> Iterator[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except _BROKEN_WORKBOOK:
        raise ImportFileUnreadable from None
    # Read-only mode parses the sheet as it is iterated: it may break on any row.
    try:
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            yield [_xlsx_text(value) for value in values]
    except _BROKEN_WORKBOOK:
        raise ImportFileUnreadable from None
    finally:
        workbook.close()


def _is_xlsx(filename: str, content: bytes) -> bool:
    return filename.lower().endswith(".xlsx") or content.startswith(_XLSX_MAGIC)


def _columns_of(header: list[str]) -> list[str | None]:
    """The column of each header cell (None for a blank one past the last); 422 naming any
    unknown, missing or repeated column."""
    names = [cell.strip() for cell in header]
    while names and not names[-1]:
        names.pop()
    columns = [_COLUMN_OF_HEADER.get(name.casefold()) for name in names]
    seen: set[str] = set()
    duplicated = []
    for column in columns:
        if column is not None and column in seen and column not in duplicated:
            duplicated.append(column)
        seen.add(column or "")
    problems = ImportColumnProblems(
        unknown=[name for name, column in zip(names, columns, strict=True) if column is None],
        missing=[column for column in COLUMNS if column not in seen],
        duplicated=duplicated,
    )
    if problems.unknown or problems.missing or problems.duplicated:
        raise ImportColumnsInvalid(problems)
    return [*columns, *([None] * (len(header) - len(names)))]


def read_sheet(filename: str, content: bytes) -> list[SheetRow]:
    """The rows of a CSV file (UTF-8, with or without a BOM) or of the first sheet of an
    .xlsx workbook, blank rows left out, text a spreadsheet had neutralised restored.
    Blocking work: run it in a thread."""
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileTooLarge(MAX_FILE_BYTES)
    records = (_xlsx_records if _is_xlsx(filename, content) else _csv_records)(content)
    header = next(records, None)
    if header is None:
        raise ImportColumnsInvalid(
            ImportColumnProblems(unknown=[], missing=list(COLUMNS), duplicated=[])
        )
    columns = _columns_of(header)
    rows: list[SheetRow] = []
    for number, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(rows) == MAX_ROWS:
            raise ImportTooManyRows(MAX_ROWS)
        values = dict.fromkeys(COLUMNS, "")
        for column, cell in zip(columns, record, strict=False):
            if column is not None:
                values[column] = restored(cell)
        rows.append(SheetRow(number, values))
    return rows


# --- checking and importing ---


@dataclass(frozen=True)
class _Checked:
    row: SheetRow
    product: ProductCreate | None
    problems: list[ImportProblem]


def _field_values(values: dict[str, str]) -> dict[str, object]:
    """A row as the API's body would carry it: empty cells left out (so a required one is
    "Field required"), a whole number of stock as a number."""
    fields: dict[str, object] = {column: value for column, value in values.items() if value}
    stock = values["stock_quantity"].strip()
    if _WHOLE_NUMBER.match(stock):
        fields["stock_quantity"] = int(stock)
    return fields


def _check(row: SheetRow) -> _Checked:
    try:
        product = ProductCreate.model_validate(_field_values(row.values))
    except ValidationError as error:
        problems = [
            ImportProblem(field=str(issue["loc"][0]) if issue["loc"] else "", message=issue["msg"])
            for issue in error.errors(include_input=False)
        ]
        return _Checked(row, None, problems)
    return _Checked(row, product, [])


def _changes(product: Product, wanted: ProductCreate) -> list[str]:
    def value(source: Product | ProductCreate, column: str) -> object:
        # An empty description is no description: both export as an empty cell.
        return (
            getattr(source, column) or None if column == "description" else getattr(source, column)
        )

    return [column for column in COLUMNS if value(product, column) != value(wanted, column)]


def _outcome(
    checked: _Checked, first_row_of_sku: dict[str, int], existing: dict[str, Product]
) -> ImportRow:
    sku = checked.product.sku if checked.product else checked.row.values["sku"].strip() or None
    problems = list(checked.problems)
    key = sku.lower() if sku else None
    if (
        key is not None
        and first_row_of_sku.setdefault(key, checked.row.number) != checked.row.number
    ):
        problems.append(
            ImportProblem(field="sku", message=f"Row {first_row_of_sku[key]} has this SKU already")
        )
    if problems or checked.product is None:
        return ImportRow(
            row=checked.row.number, sku=sku, action=ImportAction.ERROR, changed=[], errors=problems
        )
    current = existing.get(checked.product.sku.lower())
    if current is None:
        action, changed = ImportAction.CREATE, []
    else:
        changed = _changes(current, checked.product)
        action = ImportAction.UPDATE if changed else ImportAction.UNCHANGED
    return ImportRow(row=checked.row.number, sku=sku, action=action, changed=changed, errors=[])


def _report(rows: list[ImportRow], *, dry_run: bool) -> ImportReport:
    def count(action: ImportAction) -> int:
        return sum(row.action is action for row in rows)

    return ImportReport(
        dry_run=dry_run,
        created=count(ImportAction.CREATE),
        updated=count(ImportAction.UPDATE),
        unchanged=count(ImportAction.UNCHANGED),
        errors=count(ImportAction.ERROR),
        rows=rows,
    )


async def _existing(session: AsyncSession, skus: set[str], *, lock: bool) -> dict[str, Product]:
    """The products with these SKUs (lower-cased), by lower-cased SKU; locked in ascending
    id order when `lock`, as every stock movement locks them."""
    if not skus:
        return {}
    ids = await session.scalars(select(Product.id).where(func.lower(Product.sku).in_(skus)))
    if lock:
        products = list((await stock.lock_products(session, list(ids))).values())
    else:
        products = list(await session.scalars(select(Product).where(Product.id.in_(list(ids)))))
    return {product.sku.lower(): product for product in products}


async def import_products(
    session: AsyncSession,
    rows: list[SheetRow],
    *,
    dry_run: bool,
    on_progress: Callable[[int], None] = lambda done: None,
) -> ImportReport:
    """Create or update a product per row, by SKU (any case), all or nothing: any row with
    an error raises `ImportRowsInvalid` with the report, before anything is written. A dry
    run only reports. `on_progress` hears of each row checked and each row written."""
    if not dry_run:
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _IMPORT_LOCK})
    checked = []
    for row in rows:
        checked.append(_check(row))
        on_progress(1)
    skus = {item.product.sku.lower() for item in checked if item.product is not None}
    existing = await _existing(session, skus, lock=not dry_run)
    first_row_of_sku: dict[str, int] = {}
    outcomes = [_outcome(item, first_row_of_sku, existing) for item in checked]
    report = _report(outcomes, dry_run=dry_run)
    if dry_run:
        return report
    if report.errors:
        raise ImportRowsInvalid(report)
    # No row has an error: each has its product.
    wanted = [item.product for item in checked if item.product is not None]
    for outcome, product in zip(outcomes, wanted, strict=True):
        if outcome.action is ImportAction.CREATE:
            session.add(Product(**product.model_dump()))
        elif outcome.action is ImportAction.UPDATE:
            current = existing[product.sku.lower()]
            for column in outcome.changed:
                setattr(current, column, getattr(product, column))
        on_progress(1)
    await service.flush_products(session)
    return report
