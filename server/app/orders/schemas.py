from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from app.core.pagination import PageParams
from app.core.schemas import (
    MAX_ROW_ID,
    InputModel,
    IsoDateTime,
    Money,
    OutputModel,
    WholeNumber,
    example_body,
)
from app.orders.models import OrderStatus

MAX_ORDER_LINES = 100
MAX_LINE_QUANTITY = 100_000

OrderSort = Literal["created_at", "-created_at", "total_amount", "-total_amount"]


class OrderLineInput(InputModel):
    product_id: Annotated[int, Field(ge=1, le=MAX_ROW_ID), WholeNumber]
    quantity: Annotated[int, Field(ge=1, le=MAX_LINE_QUANTITY), WholeNumber]


class OrderCreate(InputModel):
    model_config = example_body(
        {"items": [{"product_id": 1, "quantity": 2}], "note": "Please leave at the front door."}
    )

    items: list[OrderLineInput] = Field(min_length=1, max_length=MAX_ORDER_LINES)
    note: Annotated[str, StringConstraints(max_length=1000)] | None = None

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
    items: list[OrderItemPublic]
    created_at: datetime
    updated_at: datetime
    allowed_transitions: list[OrderStatus] = Field(
        description="The statuses you may move this order to now, in workflow order: "
        "`cancelled` through `POST /api/orders/{order_id}/cancel`; admins make any of them "
        "through `PATCH /api/orders/{order_id}/status`. Any other change is refused."
    )


class OrderStatusChange(InputModel):
    model_config = example_body({"status": "paid"})

    status: OrderStatus


class OrderStatusHistoryPublic(OutputModel):
    from_status: OrderStatus | None
    to_status: OrderStatus
    changed_by: int | None = Field(description="Who made the change; null for the system")
    reason: str | None = Field(description="Why the system made it: `expired`")
    changed_at: datetime


class OrderListParams(PageParams):
    status: OrderStatus | None = None
    created_from: IsoDateTime | None = Field(
        default=None, description="Inclusive lower bound; UTC unless it has an offset"
    )
    created_to: IsoDateTime | None = Field(
        default=None, description="Exclusive upper bound; UTC unless it has an offset"
    )
    user_id: int | None = Field(default=None, ge=1, le=MAX_ROW_ID, description="Admins only")
    sort: OrderSort = "-created_at"
