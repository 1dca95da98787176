from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, Field, StringConstraints, model_validator
from pydantic_core import PydanticCustomError

from app.core.locales import Locale
from app.core.pagination import PageParams
from app.core.schemas import (
    AmountBound,
    InputModel,
    Money,
    MoneyInput,
    NotNull,
    OutputModel,
    RequestModel,
    WholeNumber,
    example_body,
)
from app.products.models import ProductStatus
from app.products.stock import MAX_STOCK

# Stripped first, so it needs something besides whitespace: the pattern says so to clients.
ProductName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=r"\S")
]
Sku = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$"
    ),
]
Description = Annotated[str, StringConstraints(max_length=5000)]
StockQuantity = Annotated[int, Field(ge=0, le=MAX_STOCK), WholeNumber]
# The SPA's languages, which a spreadsheet's headers come in.
ProductSort = Literal[
    "name",
    "-name",
    "price",
    "-price",
    "stock_quantity",
    "-stock_quantity",
    "created_at",
    "-created_at",
]


def _reject_zero(delta: int) -> int:
    if delta == 0:
        raise PydanticCustomError("zero_delta", "A stock adjustment must not be zero")
    return delta


class ProductPublic(OutputModel):
    id: int
    name: str
    sku: str
    description: str | None
    price: Money
    stock_quantity: int
    status: ProductStatus
    created_at: datetime
    updated_at: datetime


class ProductCreate(InputModel):
    model_config = example_body(
        {
            "name": "Stoneware Teapot, 1.2 l",
            "sku": "KIT-TEAPOT-012",
            "description": "Glazed stoneware with a steel infuser; dishwasher safe.",
            "price": "34.90",
            "stock_quantity": 25,
            "status": "active",
        }
    )

    name: ProductName
    sku: Sku
    description: Description | None = None
    price: MoneyInput
    stock_quantity: StockQuantity
    status: ProductStatus = ProductStatus.ACTIVE


class ProductUpdate(InputModel):
    """No `stock_quantity`: stock only moves through the stock endpoint and orders."""

    model_config = example_body({"price": "29.90", "status": "inactive"})

    name: Annotated[ProductName | None, NotNull] = None
    sku: Annotated[Sku | None, NotNull] = None
    description: Description | None = None
    price: Annotated[MoneyInput | None, NotNull] = None
    status: Annotated[ProductStatus | None, NotNull] = None


class StockAdjustment(InputModel):
    model_config = example_body({"delta": 12})

    delta: Annotated[
        int,
        Field(ge=-MAX_STOCK, le=MAX_STOCK),
        WholeNumber,
        AfterValidator(_reject_zero),
    ] = Field(
        description="Added to the stock; negative to take stock away. Never zero.",
        json_schema_extra={"not": {"const": 0}},
    )


class ProductFilters(RequestModel):
    """Which products: the list's filters, which its CSV export takes too."""

    search: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        default=None, description="Part of the name or SKU, any case"
    )
    status: ProductStatus | None = Field(
        default=None,
        description="Users only ever see active products; admins see all but archived ones "
        "unless they ask for a status",
    )
    min_price: AmountBound | None = Field(default=None, description="Inclusive")
    max_price: AmountBound | None = Field(default=None, description="Inclusive")
    low_stock: int | None = Field(
        default=None, ge=0, le=MAX_STOCK, description="Only products with less stock than this"
    )

    @model_validator(mode="after")
    def _check_price_range(self) -> Self:
        if (
            self.min_price is not None
            and self.max_price is not None
            and self.min_price > self.max_price
        ):
            raise PydanticCustomError("price_range", "min_price must not be greater than max_price")
        return self


class ProductListParams(ProductFilters, PageParams):
    sort: ProductSort = "name"


class ProductExportParams(ProductFilters):
    lang: Locale = Field(default=Locale.EN, description="The language of the headers")


class ImportAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ERROR = "error"


class ImportProblem(OutputModel):
    field: str = Field(description="The column, as the export names it in English")
    message: str


class ImportRow(OutputModel):
    row: int = Field(description="As a spreadsheet numbers it: the header is row 1")
    sku: str | None
    action: ImportAction
    changed: list[str] = Field(description="The columns an update changes")
    errors: list[ImportProblem]


class ImportReport(OutputModel):
    """What an import did, or would do (`dry_run`), row by row."""

    dry_run: bool
    created: int
    updated: int
    unchanged: int
    errors: int
    rows: list[ImportRow]
