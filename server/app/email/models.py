from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Index, String, Text, func, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.database import Base, string_enum


class EmailStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxEmail(Base):
    """One mail to send, written in the transaction of the event that causes it: a rollback
    takes the mail with it, a commit guarantees it goes out. Its Message-ID is made with the
    row, so a retry after an ambiguous failure carries the same one and can be recognised."""

    __tablename__ = "email_outbox"
    __table_args__ = (
        # What the sender claims: pending mail whose next attempt is due.
        Index(
            "ix_email_outbox_due", "next_attempt_at", postgresql_where=text("status = 'pending'")
        ),
        # What the purge deletes: mail sent long ago.
        Index("ix_email_outbox_sent_at", "sent_at", postgresql_where=text("status = 'sent'")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # Sent as List-Unsubscribe, so mail clients offer their own "unsubscribe" (RFC 2369).
    unsubscribe_url: Mapped[str | None] = mapped_column(String(2048))
    status: Mapped[EmailStatus] = mapped_column(
        string_enum(EmailStatus, name="email_status"),
        default=EmailStatus.PENDING,
        server_default=EmailStatus.PENDING.value,
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    sent_at: Mapped[datetime | None]
