import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import Base


class RefreshToken(Base):
    """One issued refresh token. Only its SHA-256 is stored; the token itself goes to the client.

    Every token descends from one sign-in through rotation; they share a `family_id`, so
    presenting a used token again can revoke the whole line. `used_at` marks a token that was
    traded for a new pair; `revoked_at` one ended by sign-out, a password change, deactivation
    or a detected reuse.
    """

    __tablename__ = "refresh_tokens"
    __table_args__ = (Index("ix_refresh_tokens_family_id", "family_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[uuid.UUID]
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    # Set by the sign-in that started the family, carried through every rotation: no token
    # of the family outlives it, however often it is refreshed (REFRESH_TOKEN_MAX_DAYS).
    family_expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
