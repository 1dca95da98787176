from http import HTTPStatus

from pydantic import BaseModel, Field

from app.core.errors import AppError, Conflict, NotFound
from app.products.schemas import ImportReport


class ProductNotFound(NotFound):
    code = "product_not_found"
    detail = "Product not found"
    remedy = "Check the product id; it may have been deleted, or be a draft only admins see."


class SkuTaken(Conflict):
    code = "sku_taken"
    detail = "Another product already has this SKU"
    remedy = "Choose another SKU."


class StockShortage(BaseModel):
    """One product the stock can't cover."""

    product_id: int
    requested: int
    available: int


class StockShortages(BaseModel):
    items: list[StockShortage]


class InsufficientStock(Conflict):
    """One body for every stock shortage, an order's or an adjustment's: `items` lists each
    short product with what was requested and what is available."""

    code = "insufficient_stock"
    detail = "Not enough stock"
    remedy = "Lower each listed product's quantity to at most its `available`."
    fields = StockShortages

    def __init__(self, items: list[StockShortage]) -> None:
        names = ", ".join(
            f"product {item.product_id} ({item.available} available)" for item in items
        )
        super().__init__(f"Not enough stock for {names}", fields=StockShortages(items=items))


class StockLimit(BaseModel):
    product_id: int
    available: int
    delta: int
    maximum: int


class StockLimitExceeded(Conflict):
    code = "stock_limit_exceeded"
    detail = "The stock can't exceed its maximum"
    remedy = "Add at most `maximum - available`."
    fields = StockLimit

    def __init__(self, limit: StockLimit) -> None:
        super().__init__(
            f"{limit.available} in stock; adding {limit.delta} would exceed the maximum of "
            f"{limit.maximum}",
            fields=limit,
        )


class ImportFileLimit(BaseModel):
    max_bytes: int


class ImportRowLimit(BaseModel):
    max_rows: int


class ImportColumnProblems(BaseModel):
    """Columns named by their header as the file has it, or by the export's English name."""

    unknown: list[str] = Field(description="Headers no column has")
    missing: list[str] = Field(description="Columns the file lacks")
    duplicated: list[str] = Field(description="Columns the file has more than once")


class ImportFileTooLarge(AppError):
    status_code = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    code = "import_file_too_large"
    detail = "The file is larger than an import takes"
    remedy = "Split the file; `max_bytes` says how large one may be."
    fields = ImportFileLimit

    def __init__(self, max_bytes: int) -> None:
        super().__init__(
            f"The file is larger than {max_bytes:,} bytes, the most an import takes",
            fields=ImportFileLimit(max_bytes=max_bytes),
        )


class ImportTooManyRows(AppError):
    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "import_too_many_rows"
    detail = "The file has more rows than an import takes"
    remedy = "Split the file; `max_rows` says how many products one may hold."
    fields = ImportRowLimit

    def __init__(self, max_rows: int) -> None:
        super().__init__(
            f"The file has more than {max_rows:,} products, the most an import takes",
            fields=ImportRowLimit(max_rows=max_rows),
        )


class ImportFileUnreadable(AppError):
    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "import_file_unreadable"
    detail = "The file is neither a CSV file nor an Excel workbook (.xlsx)"
    remedy = "Save the sheet as CSV (UTF-8) or as an Excel workbook (.xlsx) and send that."


class ImportFileNotUtf8(AppError):
    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "import_file_not_utf8"
    detail = "The CSV file is not UTF-8 text"
    remedy = 'Save it as "CSV UTF-8" (Excel) or choose UTF-8 when saving; or send the .xlsx.'


class ImportColumnsInvalid(AppError):
    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "import_columns_invalid"
    detail = "The header row doesn't have the columns an import takes"
    remedy = "Use the header row of an export (GET /api/products/export.csv): each column once."
    fields = ImportColumnProblems

    def __init__(self, problems: ImportColumnProblems) -> None:
        named = [
            f"{label} {', '.join(columns)}"
            for label, columns in (
                ("unknown:", problems.unknown),
                ("missing:", problems.missing),
                ("repeated:", problems.duplicated),
            )
            if columns
        ]
        super().__init__(f"Columns {'; '.join(named)}", fields=problems)


class ImportRowsInvalid(AppError):
    """A real import with an error on any row: nothing was written; the report says where."""

    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "import_rows_invalid"
    detail = "Some rows can't be imported; nothing was imported"
    remedy = "Fix each row `rows` marks `error` (its `errors` say which field and why), resend."
    fields = ImportReport

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        super().__init__(
            f"{report.errors} of {len(report.rows)} rows can't be imported; nothing was imported",
            fields=report,
        )
