"""The password-reset mail, in the user's language."""

from dataclasses import dataclass
from string import Template

from app.core.locales import Locale
from app.email.mail import Link, Mail, MailContent, render


@dataclass(frozen=True)
class ResetTexts:
    subject: str
    greeting: Template
    body: Template
    action: str
    ignore: str


TEXTS = {
    Locale.EN: ResetTexts(
        subject="Reset your password",
        greeting=Template("Hello $username,"),
        body=Template(
            "Someone, hopefully you, asked to reset the password of your account. Open this "
            "link within $minutes minutes to choose a new one."
        ),
        action="Choose a new password",
        ignore="If it wasn't you, ignore this mail: your password stays as it is.",
    ),
    Locale.ZH_CN: ResetTexts(
        subject="重置您的密码",
        greeting=Template("$username，您好："),
        body=Template(
            "有人（希望是您本人）请求重置您账户的密码。请在 $minutes 分钟内打开以下链接设置新密码。"
        ),
        action="设置新密码",
        ignore="如果这不是您的操作，请忽略此邮件，您的密码不会改变。",
    ),
}


def reset_mail(*, locale: Locale, username: str, link: str, minutes: int) -> Mail:
    texts = TEXTS[locale]
    return render(
        MailContent(
            locale=locale,
            subject=texts.subject,
            greeting=texts.greeting.substitute(username=username),
            paragraphs=[texts.body.substitute(minutes=minutes)],
            action=Link(texts.action, link),
            closing=[texts.ignore],
        )
    )
