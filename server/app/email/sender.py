"""Delivering the outbox. Every API worker runs the loop (`run_sender`, started in the app's
lifespan); each mail is sent inside the transaction that locked its row (`FOR UPDATE SKIP
LOCKED`), so however many workers and replicas run, one sends it at a time, and a crash
between the send and the commit leaves it pending, to go again with the same Message-ID.
"""

import asyncio
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib
import structlog
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core import metrics
from app.core.config import Settings, SmtpSecurity
from app.email import service
from app.email.models import OutboxEmail

# Mails one round sends at most, over one connection; the next round goes on.
BATCH_SIZE = 100
PURGE_BATCH_SIZE = 500
# A mail server that stops answering must not hold a row locked for long.
SMTP_TIMEOUT_SECONDS = 30.0

logger = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed_attempts: int


def build_message(email: OutboxEmail, settings: Settings) -> EmailMessage:
    """The mail as it goes out: plain text, with the HTML as its alternative."""
    message = EmailMessage()
    message["Message-ID"] = email.message_id
    message["Date"] = format_datetime(email.created_at)
    message["From"] = settings.SMTP_FROM
    message["To"] = email.recipient
    message["Subject"] = email.subject
    if email.unsubscribe_url is not None:
        message["List-Unsubscribe"] = f"<{email.unsubscribe_url}>"
    message.set_content(email.text_body)
    message.add_alternative(email.html_body, subtype="html")
    return message


def _smtp_client(settings: Settings) -> aiosmtplib.SMTP:
    # Certificates are checked against the system's authorities (SSL_CERT_FILE, if set).
    return aiosmtplib.SMTP(
        hostname=settings.SMTP_HOST,
        port=settings.SMTP_PORT,
        username=settings.SMTP_USERNAME,
        password=settings.SMTP_PASSWORD.get_secret_value() if settings.SMTP_PASSWORD else None,
        use_tls=settings.SMTP_SECURITY is SmtpSecurity.SSL,
        start_tls=settings.SMTP_SECURITY is SmtpSecurity.STARTTLS,
        timeout=SMTP_TIMEOUT_SECONDS,
    )


async def _deliver_one(
    sessionmaker: async_sessionmaker[AsyncSession], smtp: aiosmtplib.SMTP, settings: Settings
) -> bool | None:
    """Send the next due mail in the transaction that claims it: True if sent, False if the
    attempt failed, None if nothing was due."""
    async with sessionmaker() as session, session.begin():
        email = await service.claim_due(session)
        if email is None:
            return None
        try:
            await smtp.send_message(build_message(email, settings))
        except (aiosmtplib.SMTPException, OSError) as error:
            await service.record_failure(
                session,
                email,
                error=f"{type(error).__name__}: {error}",
                max_attempts=settings.EMAIL_MAX_ATTEMPTS,
            )
            return False
        await service.mark_sent(session, email)
        return True


async def deliver_due(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings
) -> Delivery:
    """Send what is due, up to BATCH_SIZE mails over one connection. A mail server that
    can't be reached raises before any mail is claimed: no attempt is counted while it is
    down, and everything goes once it is back."""
    async with sessionmaker() as session:
        if not await service.any_due(session):
            return Delivery(0, 0)
    smtp = _smtp_client(settings)
    await smtp.connect()
    sent = failed = 0
    try:
        for _ in range(BATCH_SIZE):
            outcome = await _deliver_one(sessionmaker, smtp, settings)
            if outcome is None:
                break
            sent += outcome
            failed += not outcome
            if not smtp.is_connected:
                # The server hung up: the rest waits for the next round.
                break
    finally:
        if smtp.is_connected:
            smtp.close()
    return Delivery(sent, failed)


async def _tidy_and_count(sessionmaker: async_sessionmaker[AsyncSession]) -> None:
    """Purge mail sent long ago, and publish how many mails are in each state."""
    async with sessionmaker() as session, session.begin():
        while await service.purge_sent(session, limit=PURGE_BATCH_SIZE) == PURGE_BATCH_SIZE:
            pass
        counts = await service.count_by_status(session)
    for status, count in counts.items():
        metrics.EMAIL_OUTBOX.labels(status=status).set(count)


async def run_sender(sessionmaker: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """Deliver due mail every EMAIL_POLL_INTERVAL_SECONDS until cancelled; a round that
    fails (the mail server or the database down) is logged and tried again next time."""
    while True:
        try:
            delivery = await deliver_due(sessionmaker, settings)
            await _tidy_and_count(sessionmaker)
        except (aiosmtplib.SMTPException, SQLAlchemyError, OSError) as error:
            logger.warning("email_delivery_failed", error=type(error).__name__)
        except Exception:
            # Anything else is a bug, but the loop must outlive it: mail must keep going.
            logger.exception("email_delivery_crashed")
        else:
            if delivery.sent or delivery.failed_attempts:
                logger.info(
                    "email_delivery", sent=delivery.sent, failed_attempts=delivery.failed_attempts
                )
        await asyncio.sleep(settings.EMAIL_POLL_INTERVAL_SECONDS)
