"""Base classes and field types shared by request and response bodies."""

import unicodedata
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Path
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

from app.core.security import BCRYPT_MAX_BYTES

MIN_PASSWORD_BYTES = 8


class RequestModel(BaseModel):
    """Anything a client sends. NUL is valid JSON but PostgreSQL text and bcrypt refuse it,
    so it is refused here, as a 422, before it can reach either."""

    @field_validator("*", mode="after")
    @classmethod
    def _reject_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("nul_character", "Text may not contain NUL characters")
        return value


class InputModel(RequestModel):
    """A request body: unknown fields are an error, so nobody sets their own `role`."""

    model_config = ConfigDict(extra="forbid")


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _check_password_length(password: str) -> str:
    size = len(password.encode("utf-8"))
    if size > BCRYPT_MAX_BYTES:
        raise PydanticCustomError(
            "password_too_long",
            "Password must be at most {max_bytes} bytes in UTF-8; this one is {size}",
            {"max_bytes": BCRYPT_MAX_BYTES, "size": size},
        )
    if size < MIN_PASSWORD_BYTES:
        raise PydanticCustomError(
            "password_too_short",
            "Password must be at least {min_bytes} bytes",
            {"min_bytes": MIN_PASSWORD_BYTES},
        )
    return password


def _normalize_username(value: object) -> object:
    # NFKC folds look-alikes such as fullwidth letters into their plain forms.
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


def _reject_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("null_not_allowed", "May be left out, but not null")
    return value


# For PATCH fields that may be omitted but can't be cleared: an explicit null is a 422.
NotNull = AfterValidator(_reject_null)

# bcrypt reads at most 72 bytes; a longer password is refused rather than silently truncated.
Password = Annotated[str, AfterValidator(_check_password_length)]
# What a sign-in form accepts: normalised like a username, but any text, so that an odd
# input is just a failed sign-in rather than a 422 that tells usernames apart.
# The BeforeValidator wraps the constrained string, so it normalises before the length and
# pattern checks, and their messages stay the plain string ones.
LoginName = Annotated[
    str, StringConstraints(min_length=1, max_length=1024), BeforeValidator(_normalize_username)
]
Username = Annotated[
    str,
    StringConstraints(min_length=3, max_length=50, pattern=r"^[\w.-]+$"),
    BeforeValidator(_normalize_username),
]

# Primary keys are PostgreSQL `integer`s; anything outside that range can't name a row.
RowId = Annotated[int, Path(ge=1, le=2_147_483_647)]

# Money is Decimal end to end. In: a JSON number or string with at most two decimals.
# Out: always a string with exactly two decimals ("19.90"), never a float.
MoneyInput = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
Money = Annotated[
    Decimal,
    PlainSerializer(lambda amount: f"{amount:.2f}", return_type=str, when_used="json"),
    Field(json_schema_extra={"pattern": r"^-?\d+\.\d{2}$", "examples": ["19.90"]}),
]
