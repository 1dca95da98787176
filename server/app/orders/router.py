from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response, status

from app.core.dependencies import ReadSessionDep, SessionDep, SettingsDep, ThrottleDep
from app.core.errors import error_responses
from app.core.pagination import Page
from app.core.routing import StrictJSONRoute
from app.core.schemas import RowId
from app.orders import service
from app.orders.schemas import (
    OrderCreate,
    OrderListParams,
    OrderPublic,
    OrderStatusChange,
    OrderStatusHistoryPublic,
)
from app.users.dependencies import AdminUser, CurrentUser

router = APIRouter(
    prefix="/api/orders",
    tags=["orders"],
    responses=error_responses(401),
    route_class=StrictJSONRoute,
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
        **error_responses(409, 422, 429, body=True),
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
    """Place an order at today's prices; the stock is taken in the same transaction.

    Customers hold at most `MAX_PENDING_ORDERS_PER_USER` pending orders (409
    `too_many_pending_orders`), and everyone places at most `ORDER_RATE_LIMIT` (429
    `too_many_orders`, with `Retry-After`). A pending order expires after
    `PENDING_ORDER_TTL_SECONDS`: it is cancelled and its stock returned.
    """
    await service.ensure_may_order(throttle, customer=customer, limit=settings.order_rate_limit)
    order, created = await service.create_order(
        session,
        customer=customer,
        data=data,
        max_pending=settings.MAX_PENDING_ORDERS_PER_USER,
        idempotency_key=idempotency_key,
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return OrderPublic.model_validate(order)


@router.get("", responses=error_responses(403, 422))
async def list_orders(
    params: Annotated[OrderListParams, Query()], viewer: CurrentUser, session: ReadSessionDep
) -> Page[OrderPublic]:
    """Your orders; admins see everyone's and may filter by `user_id`."""
    page = await service.list_orders(session, viewer=viewer, params=params)
    return Page[OrderPublic].of(page, params)


@router.get("/by-number/{order_number}", responses=error_responses(404))
async def read_order_by_number(
    order_number: Annotated[str, Path(max_length=32)], viewer: CurrentUser, session: ReadSessionDep
) -> OrderPublic:
    order = await service.get_order_by_number(session, viewer=viewer, order_number=order_number)
    return OrderPublic.model_validate(order)


@router.get("/{order_id}", responses=error_responses(404))
async def read_order(order_id: RowId, viewer: CurrentUser, session: ReadSessionDep) -> OrderPublic:
    order = await service.get_order(session, viewer=viewer, order_id=order_id)
    return OrderPublic.model_validate(order)


@router.get("/{order_id}/history", responses=error_responses(404))
async def read_order_history(
    order_id: RowId, viewer: CurrentUser, session: ReadSessionDep
) -> list[OrderStatusHistoryPublic]:
    """Every status change of the order, oldest first, starting with its creation."""
    history = await service.status_history(session, viewer=viewer, order_id=order_id)
    return [OrderStatusHistoryPublic.model_validate(entry) for entry in history]


@router.post(
    "/{order_id}/cancel",
    responses={200: {"links": _ORDER_LINKS}, **error_responses(404, 409)},
)
async def cancel_order(order_id: RowId, actor: CurrentUser, session: SessionDep) -> OrderPublic:
    """Customers cancel their own pending orders; admins pending or paid ones. Restocks."""
    order = await service.cancel_order(session, actor=actor, order_id=order_id)
    return OrderPublic.model_validate(order)


@router.patch(
    "/{order_id}/status",
    responses={200: {"links": _ORDER_LINKS}, **error_responses(403, 404, 409, body=True)},
)
async def change_order_status(
    order_id: RowId, change: OrderStatusChange, actor: AdminUser, session: SessionDep
) -> OrderPublic:
    """pending → paid | cancelled, paid → shipped | cancelled, shipped → completed."""
    order = await service.change_status(
        session, actor=actor, order_id=order_id, status=change.status
    )
    return OrderPublic.model_validate(order)
