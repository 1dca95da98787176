"""A mail's content, rendered once into its plain-text and HTML parts by Jinja2 (HTML-escaped
by autoescape, so a product or user name can't inject markup)."""

from collections.abc import Sequence
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from app.core.locales import Locale

_templates = Environment(
    loader=PackageLoader("app.email"),
    autoescape=select_autoescape(enabled_extensions=("html.jinja",), default=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True)
class Footer:
    """Why the recipient gets this mail, and where to stop it."""

    text: str
    link: Link


@dataclass(frozen=True)
class MailContent:
    """What a mail says, in order: a greeting, paragraphs, label/value facts, a link to act
    on, closing paragraphs, and a footer."""

    locale: Locale
    subject: str
    greeting: str
    paragraphs: Sequence[str]
    facts: Sequence[tuple[str, str]] = ()
    action: Link | None = None
    closing: Sequence[str] = ()
    footer: Footer | None = None


@dataclass(frozen=True)
class Mail:
    subject: str
    text: str
    html: str
    # Where to stop mails like it, for the List-Unsubscribe header.
    unsubscribe_url: str | None = None


def render(content: MailContent) -> Mail:
    return Mail(
        subject=content.subject,
        text=_templates.get_template("mail.txt.jinja").render(mail=content),
        html=_templates.get_template("mail.html.jinja").render(mail=content),
        unsubscribe_url=content.footer.link.url if content.footer else None,
    )
