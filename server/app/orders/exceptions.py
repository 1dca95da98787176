from http import HTTPStatus

from pydantic import BaseModel

from app.core.errors import AppError, Conflict, NotFound, TooManyRequests
from app.orders.models import OrderStatus


class OrderNotFound(NotFound):
    code = "order_not_found"
    detail = "Order not found"
    remedy = "Check the order id or number; customers see only their own orders."


class UnavailableProducts(BaseModel):
    product_ids: list[int]


class ProductsUnavailable(AppError):
    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "products_unavailable"
    detail = "Some products don't exist or can't be ordered"
    remedy = "Remove the products `product_ids` lists from the order."
    fields = UnavailableProducts

    def __init__(self, product_ids: list[int]) -> None:
        super().__init__(
            f"These products can't be ordered: {', '.join(map(str, product_ids))}",
            fields=UnavailableProducts(product_ids=product_ids),
        )


class StatusChange(BaseModel):
    current_status: OrderStatus
    requested_status: OrderStatus


class InvalidTransition(Conflict):
    code = "invalid_status_transition"
    detail = "This status change is not allowed"
    remedy = "Reload the order: its `current_status` allows other changes."
    fields = StatusChange

    def __init__(self, current: OrderStatus, requested: OrderStatus) -> None:
        super().__init__(
            f"An order that is {current.value} can't become {requested.value}",
            fields=StatusChange(current_status=current, requested_status=requested),
        )


class IdempotencyKeyReused(AppError):
    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "idempotency_key_reused"
    detail = "This Idempotency-Key was already used with a different request body"
    remedy = "Use a new Idempotency-Key for a different order."


class OrderTooLarge(AppError):
    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "order_too_large"
    detail = "The order total exceeds 9,999,999,999.99"
    remedy = "Split the order into smaller ones."


class PendingLimit(BaseModel):
    limit: int


class TooManyPendingOrders(Conflict):
    code = "too_many_pending_orders"
    detail = "You have too many pending orders; pay for or cancel one first"
    remedy = "Pay for or cancel a pending order first."
    fields = PendingLimit

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"You may hold at most {limit} pending orders; pay for or cancel one first",
            fields=PendingLimit(limit=limit),
        )


class TooManyOrders(TooManyRequests):
    code = "too_many_orders"
    detail = "Too many orders placed in a short time; try again later"
    remedy = "Wait `retry_after` seconds before placing another order."
