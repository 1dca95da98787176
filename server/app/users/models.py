from enum import StrEnum
from typing import Any

from sqlalchemy import Index, String, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import Base, TimestampMixin, string_enum, trigram_index
from app.core.locales import Locale


class UserRole(StrEnum):
    SUPERADMIN = "superadmin"
    ADMIN = "admin"
    USER = "user"

    @property
    def is_admin(self) -> bool:
        return self in {UserRole.ADMIN, UserRole.SUPERADMIN}


class User(TimestampMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        # Unique whatever the case: `SuperAdmin` can't sit beside `superAdmin`.
        Index("uq_users_username_lower", text("lower(username)"), unique=True),
        Index("uq_users_email_lower", text("lower(email)"), unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50))
    email: Mapped[str] = mapped_column(String(254))
    full_name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[UserRole] = mapped_column(
        string_enum(UserRole, name="user_role"),
        default=UserRole.USER,
        server_default=UserRole.USER.value,
    )
    is_active: Mapped[bool] = mapped_column(default=True, server_default="true")
    hashed_password: Mapped[str] = mapped_column(String(255))
    # In every access token; moved on by a password change, which ends the tokens before it.
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # A `ShippingAddress` the checkout starts from; orders copy it, never point to it.
    default_shipping_address: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # The language of the user's mails; the SPA sets it to the one the user picks.
    locale: Mapped[Locale] = mapped_column(
        string_enum(Locale, name="user_locale"), default=Locale.EN, server_default=Locale.EN.value
    )
    # Mails about the user's orders; the password reset goes out regardless.
    order_emails: Mapped[bool] = mapped_column(default=True, server_default="true")


# Admins' search of orders by part of the customer's username or email.
trigram_index("ix_users_username_trgm", User.username)
trigram_index("ix_users_email_trgm", User.email)
