"""The outbox: mail written in the caller's transaction, claimed one row at a time by the
senders, retried with growing pauses, failed after EMAIL_MAX_ATTEMPTS, purged once sent."""

from datetime import UTC, datetime, timedelta
from email.utils import make_msgid, parseaddr

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.database import delete_some
from app.email.mail import Mail
from app.email.models import EmailStatus, OutboxEmail

# The pause after the first failed attempt, doubled after each next one, up to the cap.
FIRST_RETRY_DELAY = timedelta(seconds=30)
MAX_RETRY_DELAY = timedelta(hours=2)
# Sent mail is kept this long (what was sent, to whom, when), then purged.
SENT_RETENTION = timedelta(days=7)
MAX_ERROR_LENGTH = 500


def _message_id_domain(settings: Settings) -> str:
    _, address = parseaddr(settings.SMTP_FROM or "")
    return address.rpartition("@")[2] or "localhost"


async def enqueue(session: AsyncSession, *, to: str, mail: Mail, settings: Settings) -> OutboxEmail:
    """Write a mail to the outbox in `session`'s transaction: it goes out once that commits,
    never if it rolls back."""
    email = OutboxEmail(
        message_id=make_msgid(domain=_message_id_domain(settings)),
        recipient=to,
        subject=mail.subject,
        text_body=mail.text,
        html_body=mail.html,
        unsubscribe_url=mail.unsubscribe_url,
    )
    session.add(email)
    await session.flush()
    return email


def _due() -> list[ColumnElement[bool]]:
    return [OutboxEmail.status == EmailStatus.PENDING, OutboxEmail.next_attempt_at <= func.now()]


async def any_due(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(select(OutboxEmail.id).where(*_due()).exists())))


async def claim_due(session: AsyncSession) -> OutboxEmail | None:
    """The oldest due mail, locked for the rest of the transaction; rows another sender holds
    are skipped, so no two senders ever send one mail at once."""
    statement = (
        select(OutboxEmail)
        .where(*_due())
        .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return await session.scalar(statement)


async def mark_sent(session: AsyncSession, email: OutboxEmail) -> None:
    email.status = EmailStatus.SENT
    email.attempts += 1
    email.sent_at = datetime.now(UTC)
    email.last_error = None
    await session.flush()


def retry_delay(attempts: int) -> timedelta:
    """The pause after `attempts` failed attempts: 30 s, 1 min, 2 min... up to two hours."""
    delay: timedelta = FIRST_RETRY_DELAY * 2 ** (attempts - 1)
    return min(delay, MAX_RETRY_DELAY)


async def record_failure(
    session: AsyncSession, email: OutboxEmail, *, error: str, max_attempts: int
) -> None:
    """Count a failed attempt: try again after a pause, or give up after `max_attempts`."""
    email.attempts += 1
    email.last_error = error[:MAX_ERROR_LENGTH]
    if email.attempts >= max_attempts:
        email.status = EmailStatus.FAILED
    else:
        email.next_attempt_at = datetime.now(UTC) + retry_delay(email.attempts)
    await session.flush()


async def count_by_status(session: AsyncSession) -> dict[EmailStatus, int]:
    rows = await session.execute(
        select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)
    )
    counts = dict.fromkeys(EmailStatus, 0)
    for status, count in rows:
        counts[status] = count
    return counts


async def list_unsent(session: AsyncSession, *, limit: int) -> list[OutboxEmail]:
    """Pending and failed mail, oldest first."""
    statement = (
        select(OutboxEmail)
        .where(OutboxEmail.status != EmailStatus.SENT)
        .order_by(OutboxEmail.id)
        .limit(limit)
    )
    return list(await session.scalars(statement))


async def retry_failed(session: AsyncSession) -> int:
    """Failed mail goes back to pending, due now, with its attempts counted from zero again;
    returns how many."""
    retried = await session.scalars(
        update(OutboxEmail)
        .where(OutboxEmail.status == EmailStatus.FAILED)
        .values(status=EmailStatus.PENDING, attempts=0, next_attempt_at=func.now())
        .returning(OutboxEmail.id)
    )
    return len(retried.all())


async def purge_sent(session: AsyncSession, *, limit: int) -> int:
    """Delete up to `limit` mails sent more than SENT_RETENTION ago; returns how many."""
    return await delete_some(
        session,
        OutboxEmail.id,
        (OutboxEmail.status == EmailStatus.SENT)
        & (OutboxEmail.sent_at < func.now() - SENT_RETENTION),
        limit=limit,
    )
