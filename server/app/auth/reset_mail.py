"""The password-reset mail, in English or Chinese as the request's Accept-Language prefers
(users have no stored language yet), as plain text and HTML."""

from dataclasses import dataclass
from enum import StrEnum
from html import escape
from string import Template


class Language(StrEnum):
    EN = "en"
    ZH_CN = "zh-CN"


@dataclass(frozen=True)
class MailText:
    subject: str
    greeting: Template
    body: Template
    ignore: str


TEXTS = {
    Language.EN: MailText(
        subject="Reset your password",
        greeting=Template("Hello $username,"),
        body=Template(
            "Someone, hopefully you, asked to reset the password of your account. Open this "
            "link within $minutes minutes to choose a new one:"
        ),
        ignore="If it wasn't you, ignore this mail: your password stays as it is.",
    ),
    Language.ZH_CN: MailText(
        subject="重置您的密码",
        greeting=Template("$username，您好："),
        body=Template(
            "有人（希望是您本人）请求重置您账户的密码。请在 $minutes 分钟内打开以下链接设置新密码："
        ),
        ignore="如果这不是您的操作，请忽略此邮件，您的密码不会改变。",
    ),
}


def _quality(parameters: str) -> float:
    for parameter in parameters.split(";"):
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def preferred_language(accept_language: str | None) -> Language:
    """The language of ours that the header ranks highest (RFC 9110 12.5.4); English when it
    names neither."""
    best, best_quality = Language.EN, 0.0
    for item in (accept_language or "").split(","):
        tag, _, parameters = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        language = {"zh": Language.ZH_CN, "en": Language.EN}.get(primary)
        quality = _quality(parameters)
        if language is not None and quality > best_quality:
            best, best_quality = language, quality
    return best


@dataclass(frozen=True)
class ResetMail:
    subject: str
    text: str
    html: str


def reset_mail(*, language: Language, username: str, link: str, minutes: int) -> ResetMail:
    texts = TEXTS[language]
    greeting = texts.greeting.substitute(username=username)
    body = texts.body.substitute(minutes=minutes)
    text = f"{greeting}\n\n{body}\n\n{link}\n\n{texts.ignore}\n"
    html = (
        f'<!DOCTYPE html><html lang="{language}"><body>'
        f"<p>{escape(greeting)}</p><p>{escape(body)}</p>"
        f'<p><a href="{escape(link)}">{escape(link)}</a></p>'
        f"<p>{escape(texts.ignore)}</p></body></html>"
    )
    return ResetMail(texts.subject, text, html)
