from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status
from fastapi.responses import StreamingResponse

from app.core.dependencies import (
    ReadSessionDep,
    SessionDep,
    SessionmakerDep,
    SettingsDep,
    StreamingSessionDep,
    ThrottleDep,
)
from app.core.error_docs import errors
from app.core.pagination import PAGE_ERRORS, Page
from app.core.routing import ApiRoute
from app.core.schemas import RowId
from app.core.spreadsheet import csv_chunks
from app.orders import export, service
from app.orders.exceptions import (
    IdempotencyKeyReused,
    InvalidTransition,
    OrderNotFound,
    OrderTooLarge,
    ProductsUnavailable,
    TooManyOrders,
    TooManyPendingOrders,
)
from app.orders.models import Order
from app.orders.schemas import (
    OrderBulkStatusChange,
    OrderChanged,
    OrderChangeResult,
    OrderCreate,
    OrderExportParams,
    OrderListParams,
    OrderNotChanged,
    OrderPublic,
    OrderStatusChange,
    OrderStatusHistoryPublic,
)
from app.products.exceptions import InsufficientStock
from app.users.callers import Caller
from app.users.dependencies import AdminUser, CurrentUser
from app.users.exceptions import AdminRequired

router = APIRouter(
    prefix="/api/orders",
    tags=["orders"],
    route_class=ApiRoute,
)

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Repeat a request with the same key to get the same order, never a second",
    ),
]


def _public(order: Order, viewer: Caller) -> OrderPublic:
    return OrderPublic.of(order, allowed_transitions=service.allowed_transitions(viewer, order))


_BY_ID = {"order_id": "$response.body#/id"}
# OpenAPI links: what a client (or a stateful fuzzer) can do next with an order.
_ORDER_LINKS = {
    "Read": {"operationId": "read_order", "parameters": _BY_ID},
    "ReadByNumber": {
        "operationId": "read_order_by_number",
        "parameters": {"order_number": "$response.body#/order_number"},
    },
    "History": {"operationId": "read_order_history", "parameters": _BY_ID},
    "Cancel": {"operationId": "cancel_order", "parameters": _BY_ID},
    "ChangeStatus": {"operationId": "change_order_status", "parameters": _BY_ID},
}


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        201: {"links": _ORDER_LINKS},
        200: {
            "model": OrderPublic,
            "description": "A repeat of an Idempotency-Key",
            "links": _ORDER_LINKS,
        },
        **errors(
            TooManyOrders,
            TooManyPendingOrders,
            ProductsUnavailable,
            InsufficientStock,
            OrderTooLarge,
            IdempotencyKeyReused,
        ),
    },
)
async def create_order(
    data: OrderCreate,
    customer: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    throttle: ThrottleDep,
    response: Response,
    idempotency_key: IdempotencyKeyHeader = None,
) -> OrderPublic:
    """Place an order at today's prices; the stock is taken in the same transaction. It
    ships to `shipping_address`, or to your default one when left out; with neither, a 422
    names `shipping_address` (unless the shop runs with `ORDERS_REQUIRE_SHIPPING_ADDRESS`
    off). The order keeps its own copy of the address.

    Customers hold at most `MAX_PENDING_ORDERS_PER_USER` pending orders (409
    `too_many_pending_orders`), and everyone places at most `ORDER_RATE_LIMIT` (429
    `too_many_orders`, with `Retry-After`). A pending order expires after
    `PENDING_ORDER_TTL_SECONDS`: it is cancelled and its stock returned. The customer is
    mailed when the order is placed, unless they turned order mails off.
    """
    await service.ensure_may_order(throttle, customer=customer, limit=settings.order_rate_limit)
    order, created = await service.create_order(
        session,
        customer=customer,
        data=data,
        settings=settings,
        idempotency_key=idempotency_key,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return _public(order, customer)


@router.get("", responses=errors(AdminRequired, *PAGE_ERRORS))
async def list_orders(
    params: Annotated[OrderListParams, Query()], viewer: CurrentUser, session: ReadSessionDep
) -> Page[OrderPublic]:
    """Your orders; admins see everyone's and may filter by `user_id`. `search` finds an
    order by the end of its number, and for admins also by its customer."""
    page = await service.list_orders(session, viewer=viewer, params=params)
    return Page[OrderPublic].of(page, params)


@router.get(
    "/export.csv",
    response_class=Response,
    responses={
        200: {
            "description": "The file, as an attachment named `orders-<business date>.csv`",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def export_orders(
    params: Annotated[OrderExportParams, Query()],
    viewer: AdminUser,
    session: StreamingSessionDep,
    settings: SettingsDep,
) -> StreamingResponse:
    """The orders the list's filters and `sort` find, every one of them, as CSV for a
    spreadsheet; admins only. A row per order, or with `rows=lines` a row per order line.
    UTF-8 with a byte order mark and CRLF line ends (Excel reads Chinese text right), headers
    in English or, with `lang=zh-CN`, Chinese; times in BUSINESS_TIMEZONE, amounts as plain
    decimals, text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`) prefixed
    with `'`. Streamed from one snapshot of the database, however many orders match."""
    rows = await export.export_rows(
        session, viewer=viewer, params=params, timezone=settings.BUSINESS_TIMEZONE
    )
    header = [column.header(params.lang) for column in export.columns(params.rows)]
    return StreamingResponse(
        csv_chunks(header, rows),
        media_type="text/csv",
        headers={
            "Content-Disposition": "attachment; "
            f'filename="{export.file_name(settings.BUSINESS_TIMEZONE)}"'
        },
    )


@router.get("/by-number/{order_number}", responses=errors(OrderNotFound))
async def read_order_by_number(
    order_number: Annotated[str, Path(max_length=32)], viewer: CurrentUser, session: ReadSessionDep
) -> OrderPublic:
    """An order by its number (`ORD-20261123-000042`): your own, or anyone's for admins."""
    return await service.get_order_by_number(session, viewer=viewer, order_number=order_number)


@router.get("/{order_id:order_id}", responses=errors(OrderNotFound))
async def read_order(order_id: RowId, viewer: CurrentUser, session: ReadSessionDep) -> OrderPublic:
    """An order by id: your own, or anyone's for admins (someone else's is a 404 to a
    customer)."""
    return await service.get_order(session, viewer=viewer, order_id=order_id)


@router.get("/{order_id:order_id}/history", responses=errors(OrderNotFound))
async def read_order_history(
    order_id: RowId, viewer: CurrentUser, session: ReadSessionDep
) -> list[OrderStatusHistoryPublic]:
    """Every status change of the order, oldest first, starting with its creation: your own
    orders, or anyone's for admins."""
    history = await service.status_history(session, viewer=viewer, order_id=order_id)
    return [OrderStatusHistoryPublic.model_validate(entry) for entry in history]


@router.post(
    "/{order_id:order_id}/cancel",
    responses={200: {"links": _ORDER_LINKS}, **errors(OrderNotFound, InvalidTransition)},
)
async def cancel_order(
    order_id: RowId, actor: CurrentUser, session: SessionDep, settings: SettingsDep
) -> OrderPublic:
    """Customers cancel their own pending orders; admins pending or paid ones. Restocks, and
    mails the customer (unless they turned order mails off)."""
    order = await service.cancel_order(session, actor=actor, order_id=order_id, settings=settings)
    return _public(order, actor)


@router.patch(
    "/{order_id:order_id}/status",
    responses={200: {"links": _ORDER_LINKS}, **errors(OrderNotFound, InvalidTransition)},
)
async def change_order_status(
    order_id: RowId,
    change: OrderStatusChange,
    actor: AdminUser,
    session: SessionDep,
    settings: SettingsDep,
) -> OrderPublic:
    """Move an order on; admins only. pending → paid | cancelled, paid → shipped |
    cancelled, shipped → completed; a cancellation restocks. A change to `shipped` may give
    the `carrier` and `tracking_number`, which the order and its history then show; any
    other change that gives them is a 422. The customer is mailed when the order is paid,
    shipped or cancelled."""
    order = await service.change_status(
        session, actor=actor, order_id=order_id, change=change, settings=settings
    )
    return _public(order, actor)


@router.post("/bulk-status")
async def change_order_statuses(
    change: OrderBulkStatusChange,
    actor: AdminUser,
    sessions: SessionmakerDep,
    settings: SettingsDep,
) -> list[OrderChangeResult]:
    """Move up to 100 orders to one status; admins only. Each order moves in a transaction of
    its own along the workflow of `PATCH /api/orders/{order_id}/status`; the answer has one
    result per id, in the order given: the order moved, or the `code` and `detail` of the
    error its single change would have answered (`order_not_found`,
    `invalid_status_transition`). A `carrier` and `tracking_number` given with `shipped`
    go on every order moved."""
    outcomes = await service.change_statuses(
        sessions, actor=actor, order_ids=change.ids, change=change, settings=settings
    )
    return [
        OrderNotChanged(id=order_id, ok=False, code=outcome.code, detail=outcome.message)
        if isinstance(outcome, OrderNotFound | InvalidTransition)
        else OrderChanged(id=order_id, ok=True, order=_public(outcome, actor))
        for order_id, outcome in zip(change.ids, outcomes, strict=True)
    ]
