"""Every ORM model, imported once so `Base.metadata` knows all tables (Alembic, tests)."""

from app.auth.models import PasswordResetToken
from app.core.database import Base
from app.email.models import OutboxEmail
from app.orders.models import IdempotencyKey, Order, OrderItem, OrderStatusHistory
from app.products.models import Product
from app.refresh_tokens.models import RefreshToken
from app.users.models import User

__all__ = [
    "Base",
    "IdempotencyKey",
    "Order",
    "OrderItem",
    "OrderStatusHistory",
    "OutboxEmail",
    "PasswordResetToken",
    "Product",
    "RefreshToken",
    "User",
]
