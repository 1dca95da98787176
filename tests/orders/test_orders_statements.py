"""Placing an order sends a fixed number of statements, however many lines it has: a guard
against a change that adds a round trip to the busiest write. (BEGIN and COMMIT, and the
current-user check before the service runs, come on top; its caller is most often cached.)"""

from collections.abc import Callable

import pytest
from conftest import ProductFactory
from helpers import count_statements
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from app.core.config import Settings
from app.orders import service
from app.orders.schemas import OrderCreate
from app.users.callers import Caller
from app.users.models import User

MakeSettings = Callable[..., Settings]
MAIL = {"SMTP_HOST": "127.0.0.1", "SMTP_FROM": "shop@example.com", "SMTP_SECURITY": "none"}


async def _order_of(make_product: ProductFactory, line_count: int) -> OrderCreate:
    products = [await make_product(stock_quantity=10) for _ in range(line_count)]
    return OrderCreate.model_validate(
        {"items": [{"product_id": product.id, "quantity": 2} for product in products]}
    )


@pytest.mark.parametrize("line_count", [1, 3])
@pytest.mark.parametrize(
    ("idempotency_key", "mail", "expected"),
    [
        # The customer, read under their pending-cap lock; the stock locked, checked and
        # taken, with their pending orders counted; the order, its lines and its first
        # history entry.
        (None, False, 3),
        # First the key, claimed; its order is set in the order's statement.
        ("checkout-1", False, 4),
        # The mail, written to the outbox.
        (None, True, 4),
        ("checkout-1", True, 5),
    ],
)
async def test_placing_an_order_sends_a_fixed_number_of_statements(
    session: AsyncSession,
    engine: AsyncEngine,
    user: User,
    make_product: ProductFactory,
    make_settings: MakeSettings,
    line_count: int,
    idempotency_key: str | None,
    mail: bool,
    expected: int,
) -> None:
    data = await _order_of(make_product, line_count)
    settings = make_settings(**MAIL) if mail else make_settings()
    with count_statements(engine) as statements:
        order, created = await service.create_order(
            session,
            customer=Caller.of(user),
            data=data,
            settings=settings,
            idempotency_key=idempotency_key,
        )
    assert created
    assert len(order.items) == line_count
    assert len(statements) == expected, statements
