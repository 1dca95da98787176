from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints, ValidationInfo
from pydantic_core import PydanticCustomError

from app.core.addresses import EXAMPLE_ADDRESS, ShippingAddress
from app.core.locales import Locale
from app.core.pagination import PageParams
from app.core.schemas import (
    MAX_ROW_ID,
    ONE_LINE,
    BlankIsNull,
    InputModel,
    IsoDateTime,
    Money,
    OutputModel,
    RequestModel,
    WholeNumber,
    example_body,
)
from app.orders.models import SHIPMENT_FIELD_LENGTH, OrderStatus

MAX_ORDER_LINES = 100
MAX_LINE_QUANTITY = 100_000
MIN_SEARCH_LENGTH = 2
MAX_SEARCH_LENGTH = 64
MAX_BULK_ORDERS = 100

OrderSort = Literal["created_at", "-created_at", "total_amount", "-total_amount"]


class OrderLineInput(InputModel):
    product_id: Annotated[int, Field(ge=1, le=MAX_ROW_ID), WholeNumber]
    quantity: Annotated[int, Field(ge=1, le=MAX_LINE_QUANTITY), WholeNumber]


class OrderCreate(InputModel):
    model_config = example_body(
        {
            "items": [{"product_id": 1, "quantity": 2}],
            "note": "Please leave at the front door.",
            "shipping_address": EXAMPLE_ADDRESS,
        }
    )

    items: list[OrderLineInput] = Field(min_length=1, max_length=MAX_ORDER_LINES)
    note: Annotated[str, StringConstraints(max_length=1000)] | None = None
    shipping_address: ShippingAddress | None = Field(
        default=None,
        description="Where to ship the order; the order keeps this copy. Left out (or null): "
        "your `default_shipping_address`. With neither, the order is refused (422 naming "
        "`shipping_address`) unless the shop runs with `ORDERS_REQUIRE_SHIPPING_ADDRESS` off.",
    )

    def quantities(self) -> dict[int, int]:
        """Requested quantity per product; a product on several lines counts once, summed."""
        merged: dict[int, int] = {}
        for line in self.items:
            merged[line.product_id] = merged.get(line.product_id, 0) + line.quantity
        return merged


class OrderItemPublic(OutputModel):
    product_id: int
    product_name: str
    sku: str
    unit_price: Money
    quantity: int
    line_total: Money


class OrderPublic(OutputModel):
    """An order, with the status changes the current user may make to it."""

    id: int
    order_number: str
    user_id: int
    status: OrderStatus
    total_amount: Money
    note: str | None
    shipping_address: ShippingAddress | None = Field(
        description="A copy taken when the order was placed"
    )
    carrier: str | None = Field(description="Given when the order was marked shipped")
    tracking_number: str | None = Field(description="Given when the order was marked shipped")
    items: list[OrderItemPublic]
    created_at: datetime
    updated_at: datetime
    allowed_transitions: list[OrderStatus] = Field(
        description="The statuses you may move this order to now, in workflow order: "
        "`cancelled` through `POST /api/orders/{order_id}/cancel`; admins make any of them "
        "through `PATCH /api/orders/{order_id}/status`. Any other change is refused."
    )


def _only_when_shipping(value: str | None, info: ValidationInfo) -> str | None:
    if value is not None and info.data.get("status") is not OrderStatus.SHIPPED:
        raise PydanticCustomError(
            "shipment_needs_shipped", "Only a change to `shipped` carries a shipment's details"
        )
    return value


ShipmentField = Annotated[
    Annotated[
        str,
        StringConstraints(
            strip_whitespace=True,
            max_length=SHIPMENT_FIELD_LENGTH,
            pattern=ONE_LINE,
        ),
    ]
    | None,
    BlankIsNull,
    AfterValidator(_only_when_shipping),
]


class OrderStatusChange(InputModel):
    model_config = example_body(
        {"status": "shipped", "carrier": "SF Express", "tracking_number": "SF1234567890"}
    )

    status: OrderStatus
    carrier: ShipmentField = Field(
        default=None, description="With status `shipped` only: who carries the parcel"
    )
    tracking_number: ShipmentField = Field(
        default=None, description="With status `shipped` only: the carrier's parcel number"
    )


def _reject_duplicates(ids: list[int]) -> list[int]:
    if len(set(ids)) != len(ids):
        raise PydanticCustomError("duplicate_ids", "Each order may be listed only once")
    return ids


OrderId = Annotated[int, Field(ge=1, le=MAX_ROW_ID), WholeNumber]


class OrderBulkStatusChange(OrderStatusChange):
    model_config = example_body({"ids": [1, 2, 3], "status": "shipped", "carrier": "SF Express"})

    ids: Annotated[
        list[OrderId],
        Field(min_length=1, max_length=MAX_BULK_ORDERS, json_schema_extra={"uniqueItems": True}),
        AfterValidator(_reject_duplicates),
    ] = Field(description=f"1 to {MAX_BULK_ORDERS} order ids, each once")


class OrderChanged(OutputModel):
    id: int
    ok: Literal[True]
    order: OrderPublic


class OrderNotChanged(OutputModel):
    """The error `PATCH /api/orders/{order_id}/status` would have answered for this order."""

    id: int
    ok: Literal[False]
    code: str
    detail: str


# `ok` tells them apart; not an OpenAPI discriminator, whose mapping keys are strings only.
OrderChangeResult = OrderChanged | OrderNotChanged


class OrderStatusHistoryPublic(OutputModel):
    from_status: OrderStatus | None
    to_status: OrderStatus
    changed_by: int | None = Field(description="Who made the change; null for the system")
    reason: str | None = Field(description="Why the system made it: `expired`")
    carrier: str | None = Field(description="Given with a change to `shipped`")
    tracking_number: str | None = Field(description="Given with a change to `shipped`")
    changed_at: datetime


class OrderFilters(RequestModel):
    """Which orders, in which order: the list's and the export's."""

    search: (
        Annotated[
            str,
            StringConstraints(
                strip_whitespace=True,
                min_length=MIN_SEARCH_LENGTH,
                max_length=MAX_SEARCH_LENGTH,
                pattern=r"^[^\x00-\x1f\x7f]*$",
            ),
        ]
        | None
    ) = Field(
        default=None,
        description=f"The end of the order number, at least {MIN_SEARCH_LENGTH} characters "
        "(`42`, `000042` or the whole `ORD-20261123-000042`, any case); admins also find "
        "orders whose customer's username or email contains it, any case",
    )
    status: OrderStatus | None = None
    created_from: IsoDateTime | None = Field(
        default=None, description="Inclusive lower bound; UTC unless it has an offset"
    )
    created_to: IsoDateTime | None = Field(
        default=None, description="Exclusive upper bound; UTC unless it has an offset"
    )
    user_id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID, description="Admins only")
    sort: OrderSort = "-created_at"


class OrderListParams(OrderFilters, PageParams):
    """A page of the orders list."""


class ExportRows(StrEnum):
    ORDERS = "orders"
    LINES = "lines"


class OrderExportParams(OrderFilters):
    rows: ExportRows = Field(
        default=ExportRows.ORDERS,
        description="`orders`: a row per order; `lines`: a row per order line, its order's "
        "columns repeated on each",
    )
    lang: Locale = Field(default=Locale.EN, description="The language of the header row")
