from datetime import datetime

from sqlalchemy import ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import Base


class PasswordResetToken(Base):
    """The one live password-reset token of a user, stored as its SHA-256: a newer request
    replaces it, so older links stop working, and using it deletes it. It holds the user's
    token version when it was made: a password changed, or every session ended, since then
    makes it void."""

    __tablename__ = "password_reset_tokens"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    token_version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
