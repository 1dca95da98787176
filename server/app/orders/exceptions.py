from http import HTTPStatus

from app.core.errors import AppError, Conflict, NotFound, TooManyRequests
from app.orders.models import OrderStatus


class OrderNotFound(NotFound):
    code = "order_not_found"
    detail = "Order not found"


class ProductsUnavailable(AppError):
    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "products_unavailable"
    detail = "Some products don't exist or can't be ordered"

    def __init__(self, product_ids: list[int]) -> None:
        super().__init__(
            f"These products can't be ordered: {', '.join(map(str, product_ids))}",
            product_ids=product_ids,
        )


class InvalidTransition(Conflict):
    code = "invalid_status_transition"
    detail = "This status change is not allowed"

    def __init__(self, current: OrderStatus, requested: OrderStatus) -> None:
        super().__init__(
            f"An order that is {current.value} can't become {requested.value}",
            current_status=current.value,
            requested_status=requested.value,
        )


class IdempotencyKeyReused(AppError):
    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "idempotency_key_reused"
    detail = "This Idempotency-Key was already used with a different request body"


class OrderTooLarge(AppError):
    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "order_too_large"
    detail = "The order total exceeds 9,999,999,999.99"


class TooManyPendingOrders(Conflict):
    code = "too_many_pending_orders"
    detail = "You have too many pending orders; pay for or cancel one first"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"You may hold at most {limit} pending orders; pay for or cancel one first",
            limit=limit,
        )


class TooManyOrders(TooManyRequests):
    code = "too_many_orders"
    detail = "Too many orders placed in a short time; try again later"
