"""The languages the shop speaks: its interface's, its mails', its spreadsheets' headers."""

from enum import StrEnum


class Locale(StrEnum):
    EN = "en"
    ZH_CN = "zh-CN"


def _quality(parameters: str) -> float:
    for parameter in parameters.split(";"):
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def preferred_locale(accept_language: str | None) -> Locale:
    """The locale of ours that an `Accept-Language` header ranks highest (RFC 9110 12.5.4);
    English when it names neither."""
    best, best_quality = Locale.EN, 0.0
    for item in (accept_language or "").split(","):
        tag, _, parameters = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        locale = {"zh": Locale.ZH_CN, "en": Locale.EN}.get(primary)
        quality = _quality(parameters)
        if locale is not None and quality > best_quality:
            best, best_quality = locale, quality
    return best
