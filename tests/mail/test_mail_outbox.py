"""The outbox against a real SMTP server: what a transaction writes goes out once, whatever
happens to the mail server or the sender, and nothing goes for a transaction rolled back."""

import asyncio
import ssl
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import aiosmtplib
import asyncpg
import pytest
from helpers import async_retrying, client_for, free_port, running_app
from mail_support import (
    SHOP_SENDER,
    SmtpServer,
    enqueue_committed,
    mail_settings,
    outbox_rows,
    outbox_sessions,
)
from nginx_support import self_signed_certificate
from sqlalchemy import update
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from app.core.config import Settings
from app.email import service as outbox
from app.email.mail import Mail
from app.email.models import EmailStatus, OutboxEmail
from app.email.sender import deliver_due

MakeSettings = Callable[..., Settings]


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def settings_for_smtp(
    make_settings: MakeSettings, migrated_database_url: URL, smtp: SmtpServer
) -> Settings:
    return mail_settings(make_settings, migrated_database_url, smtp.port)


async def test_a_mail_goes_out_with_its_text_html_and_message_id(
    migrated_database_url: URL, smtp: SmtpServer, settings_for_smtp: Settings
) -> None:
    async with outbox_sessions(migrated_database_url) as sessions:
        (message_id,) = await enqueue_committed(sessions, settings_for_smtp, 1)
        delivery = await deliver_due(sessions, settings_for_smtp)
        (row,) = await outbox_rows(sessions)

    assert delivery.sent == 1
    (message,) = smtp.mailbox.received()
    assert message["Message-ID"] == message_id
    assert message["From"] == SHOP_SENDER
    assert message["To"] == "customer0@example.com"
    assert message["Subject"] == "Mail 0"
    plain = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert isinstance(plain, EmailMessage)
    assert isinstance(html, EmailMessage)
    assert plain.get_content().strip() == "Text 0"
    assert html.get_content().strip() == "<p>HTML 0</p>"
    assert (row.status, row.attempts) == (EmailStatus.SENT, 1)
    assert row.sent_at is not None


async def test_mail_written_while_smtp_is_down_all_goes_once_it_is_back(
    make_settings: MakeSettings, migrated_database_url: URL
) -> None:
    server = SmtpServer(free_port())
    settings = mail_settings(make_settings, migrated_database_url, server.port)
    async with outbox_sessions(migrated_database_url) as sessions:
        written = await enqueue_committed(sessions, settings, 3)
        with pytest.raises(aiosmtplib.SMTPConnectError):
            await deliver_due(sessions, settings)
        # Nothing was claimed while the server was down: no attempt is used up.
        assert [(row.status, row.attempts) for row in await outbox_rows(sessions)] == [
            (EmailStatus.PENDING, 0)
        ] * 3

        server.start()
        try:
            first = await deliver_due(sessions, settings)
            again = await deliver_due(sessions, settings)
        finally:
            server.stop()
        rows = await outbox_rows(sessions)

    assert (first.sent, again.sent) == (3, 0)
    assert sorted(server.mailbox.message_ids()) == sorted(written)
    assert {row.status for row in rows} == {EmailStatus.SENT}


async def test_a_rolled_back_transaction_sends_nothing(
    migrated_database_url: URL, smtp: SmtpServer, settings_for_smtp: Settings
) -> None:
    async with outbox_sessions(migrated_database_url) as sessions:
        async with sessions() as session:
            await outbox.enqueue(
                session,
                to="a@example.com",
                mail=Mail(subject="s", text="t", html="h"),
                settings=settings_for_smtp,
            )
            await session.rollback()
        delivery = await deliver_due(sessions, settings_for_smtp)
        rows = await outbox_rows(sessions)

    assert delivery.sent == 0
    assert rows == []
    assert smtp.mailbox.received() == []


async def test_two_senders_at_once_never_send_one_mail_twice(
    migrated_database_url: URL, smtp: SmtpServer, settings_for_smtp: Settings
) -> None:
    async def slowly(message: EmailMessage) -> None:
        # Each mail takes a moment, so the two senders' rounds overlap.
        await asyncio.sleep(0.01)

    smtp.mailbox.on_message = slowly
    async with outbox_sessions(migrated_database_url) as sessions:
        written = await enqueue_committed(sessions, settings_for_smtp, 30)
        deliveries = await asyncio.gather(
            deliver_due(sessions, settings_for_smtp), deliver_due(sessions, settings_for_smtp)
        )

    assert sum(delivery.sent for delivery in deliveries) == 30
    assert sorted(smtp.mailbox.message_ids()) == sorted(written)


async def test_a_crash_after_sending_before_marking_resends_with_the_same_message_id(
    migrated_database_url: URL, smtp: SmtpServer, settings_for_smtp: Settings
) -> None:
    crashed: list[str] = []

    async def end_the_senders_connection(message: EmailMessage) -> None:
        # The mail is accepted, but the sender's database connection dies before it can
        # record that: the process crashing between the send and the commit.
        if crashed:
            return
        crashed.append(message["Message-ID"])
        connection = await asyncpg.connect(
            migrated_database_url.render_as_string(hide_password=False).replace("+asyncpg", "")
        )
        try:
            await connection.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_locks "
                "WHERE relation = 'email_outbox'::regclass AND pid <> pg_backend_pid()"
            )
        finally:
            await connection.close()

    smtp.mailbox.on_message = end_the_senders_connection
    async with outbox_sessions(migrated_database_url) as sessions:
        (message_id,) = await enqueue_committed(sessions, settings_for_smtp, 1)
        with pytest.raises(DBAPIError):
            await deliver_due(sessions, settings_for_smtp)
        (pending,) = await outbox_rows(sessions)
        assert pending.status is EmailStatus.PENDING
        retry = await deliver_due(sessions, settings_for_smtp)
        (row,) = await outbox_rows(sessions)

    assert retry.sent == 1
    assert crashed == [message_id]
    # Both copies carry one Message-ID: the receiving side can tell the second is a repeat.
    assert smtp.mailbox.message_ids() == [message_id, message_id]
    assert row.status is EmailStatus.SENT


async def test_refused_mail_is_retried_after_a_pause_then_marked_failed(
    make_settings: MakeSettings, migrated_database_url: URL, smtp: SmtpServer
) -> None:
    async def refuse(message: EmailMessage) -> str:
        return "451 Try again later"

    smtp.mailbox.on_message = refuse
    settings = mail_settings(make_settings, migrated_database_url, smtp.port, EMAIL_MAX_ATTEMPTS=2)
    async with outbox_sessions(migrated_database_url) as sessions:
        await enqueue_committed(sessions, settings, 1)
        first = await deliver_due(sessions, settings)
        (retrying,) = await outbox_rows(sessions)
        not_yet = await deliver_due(sessions, settings)
        async with sessions() as session, session.begin():
            # The pause is over.
            await session.execute(update(OutboxEmail).values(next_attempt_at=datetime.now(UTC)))
        await deliver_due(sessions, settings)
        (failed,) = await outbox_rows(sessions)

    assert first.failed_attempts == 1
    assert (retrying.status, retrying.attempts) == (EmailStatus.PENDING, 1)
    assert retrying.next_attempt_at > datetime.now(UTC)
    assert "451" in (retrying.last_error or "")
    assert not_yet == type(first)(0, 0)
    assert (failed.status, failed.attempts) == (EmailStatus.FAILED, 2)


def test_each_retry_waits_twice_as_long_up_to_two_hours() -> None:
    delays = [outbox.retry_delay(attempts) for attempts in range(1, 12)]
    assert delays[:3] == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2)]
    assert delays[-1] == timedelta(hours=2)


async def test_sent_mail_is_purged_after_a_week_and_unsent_mail_never(
    migrated_database_url: URL, settings_for_smtp: Settings
) -> None:
    async with outbox_sessions(migrated_database_url) as sessions:
        ids = await enqueue_committed(sessions, settings_for_smtp, 4)
        now = datetime.now(UTC)
        async with sessions() as session, session.begin():
            for message_id, status, sent_at in [
                (ids[0], EmailStatus.SENT, now - timedelta(days=8)),
                (ids[1], EmailStatus.SENT, now - timedelta(days=1)),
                (ids[2], EmailStatus.FAILED, None),
            ]:
                await session.execute(
                    update(OutboxEmail)
                    .where(OutboxEmail.message_id == message_id)
                    .values(status=status, sent_at=sent_at, created_at=now - timedelta(days=30))
                )
        async with sessions() as session, session.begin():
            purged = await outbox.purge_sent(session, limit=10)
        rows = await outbox_rows(sessions)

    assert purged == 1
    assert [row.message_id for row in rows] == ids[1:]


async def test_the_apps_sender_delivers_and_metrics_count_the_outbox(
    make_settings: MakeSettings, migrated_database_url: URL, smtp: SmtpServer
) -> None:
    settings = mail_settings(
        make_settings, migrated_database_url, smtp.port, EMAIL_POLL_INTERVAL_SECONDS=0.1
    )
    async with (
        running_app(settings) as app,
        client_for(app) as client,
        outbox_sessions(migrated_database_url) as sessions,
    ):
        written = await enqueue_committed(sessions, settings, 2)
        async for attempt in async_retrying(60):
            with attempt:
                assert sorted(smtp.mailbox.message_ids()) == sorted(written)
        async for attempt in async_retrying(60):
            with attempt:
                scraped = (await client.get("/metrics")).text
                assert 'order_system_email_outbox{status="sent"} 2.0' in scraped
        assert 'order_system_email_outbox{status="pending"} 0.0' in scraped
        assert 'order_system_email_outbox{status="failed"} 0.0' in scraped


async def test_starttls_with_a_trusted_self_signed_certificate_delivers(
    make_settings: MakeSettings,
    migrated_database_url: URL,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    certificate = self_signed_certificate(tmp_path)
    server = SmtpServer(
        free_port(), certificate=(certificate, certificate.with_name("privkey.pem"))
    )
    settings = mail_settings(
        make_settings,
        migrated_database_url,
        server.port,
        SMTP_HOST="localhost",
        SMTP_SECURITY="starttls",
    )
    server.start()
    try:
        async with outbox_sessions(migrated_database_url) as sessions:
            (message_id,) = await enqueue_committed(sessions, settings, 1)
            # Not trusted: refused before anything is sent, and nothing is counted.
            with pytest.raises(ssl.SSLCertVerificationError):
                await deliver_due(sessions, settings)
            assert server.mailbox.received() == []
            # Trusted, as a private authority's is through SSL_CERT_FILE.
            monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
            delivery = await deliver_due(sessions, settings)
    finally:
        server.stop()

    assert delivery.sent == 1
    assert server.mailbox.message_ids() == [message_id]
