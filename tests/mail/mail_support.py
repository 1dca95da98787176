"""A real SMTP server for the mail tests (aiosmtpd, in a thread of its own), and an outbox on
a database of its own, where the senders' commits are real."""

import email
import email.policy
import logging
import ssl
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from helpers import LiveShop, async_retrying, free_port, open_live_shop
from sqlalchemy import NullPool, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from app.core.config import Settings
from app.core.database import create_sessionmaker
from app.email import service as outbox
from app.email.mail import Mail
from app.email.models import OutboxEmail

SHOP_SENDER = "Shop <shop@example.com>"
# aiosmtpd logs every SMTP command at INFO; a failing test's captured log is easier to read
# without them.
logging.getLogger("mail.log").setLevel(logging.WARNING)
OnMessage = Callable[[EmailMessage], Awaitable[str | None]]


@dataclass
class Mailbox:
    """aiosmtpd's handler keeping every message it accepts. `on_message`, if set, runs for
    each before it is accepted, and may answer instead (a refusal such as `451 ...`)."""

    messages: list[EmailMessage] = field(default_factory=list)
    on_message: OnMessage | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        if self.on_message is not None:
            refusal = await self.on_message(message)
            if refusal is not None:
                return refusal
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    def received(self) -> list[EmailMessage]:
        with self._lock:
            return list(self.messages)

    def message_ids(self) -> list[str]:
        return [message["Message-ID"] for message in self.received()]

    async def delivered_to(self, address: str, count: int = 1) -> list[EmailMessage]:
        """The `count` mails delivered to `address`, once they all arrived."""
        async for attempt in async_retrying(60):
            with attempt:
                mails = [m for m in self.received() if m["To"] == address]
                assert len(mails) == count
        return mails


@dataclass
class SmtpServer:
    """An SMTP server on `port` that can be stopped and started again, as a real one goes
    down and comes back; with `certificate`, it requires STARTTLS with it."""

    port: int
    mailbox: Mailbox = field(default_factory=Mailbox)
    certificate: tuple[Path, Path] | None = None
    _controller: Controller | None = None

    def start(self) -> None:
        options: dict[str, Any] = {}
        if self.certificate is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*self.certificate)
            options = {"tls_context": context, "require_starttls": True}
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **options)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


def mail_settings(
    make_settings: Callable[..., Settings], url: URL, port: int, **overrides: Any
) -> Settings:
    return make_settings(
        **{
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": port,
            "SMTP_FROM": SHOP_SENDER,
            "SMTP_SECURITY": "none",
            **overrides,
        }
    )


@asynccontextmanager
async def outbox_sessions(url: URL) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on `url` as the app makes them, each on a connection of its own."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


async def enqueue_committed(
    sessionmaker: async_sessionmaker[AsyncSession], settings: Settings, count: int
) -> list[str]:
    """`count` mails written and committed; their Message-IDs."""
    async with sessionmaker() as session, session.begin():
        written = [
            await outbox.enqueue(
                session,
                to=f"customer{number}@example.com",
                mail=Mail(
                    subject=f"Mail {number}", text=f"Text {number}", html=f"<p>HTML {number}</p>"
                ),
                settings=settings,
            )
            for number in range(count)
        ]
        return [row.message_id for row in written]


async def outbox_rows(sessionmaker: async_sessionmaker[AsyncSession]) -> list[OutboxEmail]:
    async with sessionmaker() as session:
        return list(await session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)))


@dataclass
class MailShop:
    """A live shop whose mail goes to `smtp`, links to https://shop.example."""

    shop: LiveShop
    smtp: SmtpServer

    async def mails_to(self, address: str, count: int = 1) -> list[EmailMessage]:
        return await self.smtp.mailbox.delivered_to(address, count)


@asynccontextmanager
async def open_mail_shop(
    make_live_settings: Callable[..., Settings], **overrides: Any
) -> AsyncIterator[MailShop]:
    smtp = SmtpServer(free_port())
    smtp.start()
    settings = make_live_settings(
        **{
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": smtp.port,
            "SMTP_FROM": "shop@example.com",
            "SMTP_SECURITY": "none",
            "PUBLIC_URL": "https://shop.example",
            "EMAIL_POLL_INTERVAL_SECONDS": 0.1,
            **overrides,
        }
    )
    try:
        async with open_live_shop(settings) as shop:
            yield MailShop(shop, smtp)
    finally:
        smtp.stop()
