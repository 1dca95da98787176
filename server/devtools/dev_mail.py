"""The mail catcher of `make dev` and `make api`: an SMTP server on 127.0.0.1 that delivers
nothing and keeps each mail it accepts as an .eml file (any mail program opens one), so a
password reset can be tried without a mail server or an account anywhere.

Used unless SMTP_HOST is configured (environment or `.env`); then the API mails through that.
"""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from app.core.config import Settings, SmtpSecurity
from devtools.dev_database import local_data_dir

DEFAULT_MAIL_PORT = 1025
DEV_SENDER = "order_system (development) <no-reply@localhost>"


def mail_dir() -> Path:
    return local_data_dir() / "mail"


@dataclass(frozen=True)
class EmlDirectory:
    """aiosmtpd's handler: each mail accepted becomes `<UTC time>-<random>.eml`."""

    directory: Path

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's hook
        assert envelope.original_content is not None
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}.eml"
        # Written aside, then renamed: a reader never finds half a mail.
        draft = self.directory / f".{name}.part"
        draft.write_bytes(envelope.original_content)
        draft.rename(self.directory / name)
        return "250 OK: kept as a file"


@contextmanager
def mail_catcher(directory: Path, port: int) -> Iterator[None]:
    """The catcher listening on 127.0.0.1:`port` for the block."""
    directory.mkdir(parents=True, exist_ok=True)
    controller = Controller(EmlDirectory(directory), hostname="127.0.0.1", port=port)
    try:
        controller.start()
    except OSError as error:
        raise SystemExit(
            f"The mail catcher can't listen on 127.0.0.1:{port} ({error.strerror}): "
            "choose another port with DEV_MAIL_PORT"
        ) from None
    try:
        yield
    finally:
        controller.stop()


def catcher_settings(settings: Settings, port: int, app_url: str | None) -> dict[str, str]:
    """The API's mail settings for the catcher: no encryption on the loopback, a sender, and
    the links in mails to the SPA at `app_url` (when it runs and PUBLIC_URL is unset)."""
    environment = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_SECURITY": SmtpSecurity.NONE.value,
        "SMTP_FROM": settings.SMTP_FROM or DEV_SENDER,
    }
    if app_url is not None and settings.PUBLIC_URL is None:
        environment["PUBLIC_URL"] = app_url
    return environment
