"""Base classes and field types shared by request and response bodies."""

import re
import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Self

from fastapi import Path
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    PlainSerializer,
    StringConstraints,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from app.core.password_rules import (
    BCRYPT_MAX_BYTES,
    MIN_PASSWORD_LENGTH,
    check_password_length,
)

# ASCII letters only: `İ` or `ß` lower-case differently in Python and in PostgreSQL's locale.
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


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


def example_body(example: dict[str, Any]) -> ConfigDict:
    """A request body's example, as `model_config`: the first of the JSON Schema's
    `examples` is what Swagger UI 5 pre-fills "Try it out" with under OpenAPI 3.1.
    tests/core/test_openapi_examples.py sends every one and expects it accepted."""
    return ConfigDict(json_schema_extra={"examples": [example]})


class OutputModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, row: object, **computed: Any) -> Self:
        """Built from an ORM row's attributes and `computed` fields the row doesn't hold, such
        as what the current user may do with it."""
        stored = {name: getattr(row, name) for name in cls.model_fields if name not in computed}
        return cls.model_validate(stored | computed)


def _normalize_username(value: object) -> object:
    # NFKC folds look-alikes such as fullwidth letters into their plain forms.
    return unicodedata.normalize("NFKC", value).strip() if isinstance(value, str) else value


def canonical_username(username: str) -> str:
    """The one form in which usernames are compared, by the lookup at sign-in and by the
    sign-in limits alike: NFKC, trimmed, ASCII letters in lower case. Stored usernames are
    ASCII; any other letter is left as it is, so a name with one matches nobody, rather than
    matching through one lower-casing (PostgreSQL's `lower('İ')` is `i` under glibc) and
    being counted under another (Python's `'İ'.lower()` is `i̇`)."""
    return unicodedata.normalize("NFKC", username).strip().translate(_ASCII_LOWER)


def _reject_null(value: Any) -> Any:
    if value is None:
        raise PydanticCustomError("null_not_allowed", "May be left out, but not null")
    return value


class _NotNull:
    """For PATCH fields that may be omitted but can't be cleared: an explicit null is a 422,
    and the schema offers no null either."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_reject_null, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        variants = [
            variant for variant in json_schema.pop("anyOf", []) if variant != {"type": "null"}
        ]
        if len(variants) == 1:
            json_schema.update(variants[0])
        elif variants:
            json_schema["anyOf"] = variants
        return json_schema


NotNull = _NotNull()

# bcrypt reads at most 72 bytes; a longer password is refused rather than silently truncated.
# JSON Schema counts characters, not bytes: `format: password` says there is more to it.
Password = Annotated[
    str,
    AfterValidator(check_password_length),
    Field(
        json_schema_extra={
            "format": "password",
            "minLength": MIN_PASSWORD_LENGTH,
            "maxLength": BCRYPT_MAX_BYTES,
        },
        description=f"{MIN_PASSWORD_LENGTH} characters to {BCRYPT_MAX_BYTES} bytes in UTF-8",
    ),
]
# What a sign-in form accepts: normalised like a username, but any text, so that an odd
# input is just a failed sign-in rather than a 422 that tells usernames apart. The length is
# checked before normalising, as the schema says: a name of blanks is a failed sign-in too.
LoginName = Annotated[
    str, StringConstraints(min_length=1, max_length=1024), AfterValidator(_normalize_username)
]
# The BeforeValidator wraps the constrained string, so it normalises before the length and
# pattern checks, and their messages stay the plain string ones.
# ASCII after NFKC: a fullwidth `superAdmin` folds into the plain one (and is taken), while
# Cyrillic or Greek look-alikes, combining accents and zero-width characters, which no
# normalisation turns into the letters they imitate, are refused.
Username = Annotated[
    str,
    StringConstraints(min_length=3, max_length=50, pattern=r"^[A-Za-z0-9_.-]+$"),
    BeforeValidator(_normalize_username),
]


def _blank_to_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


# An optional text field left blank (or all spaces) is null: `Annotated[Text | None, BlankIsNull]`.
BlankIsNull = BeforeValidator(_blank_to_none)
# One line of text: no line breaks or other control characters.
ONE_LINE = r"^[^\x00-\x1f\x7f]*$"


def _reject_text_and_booleans(value: object) -> object:
    if isinstance(value, bool | str):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


# A count in a JSON body, after its bounds: `Annotated[int, Field(ge=1), WholeNumber]`.
# A JSON number without a fraction: 5 and 5.0 are one number (to JSON Schema and to
# JavaScript); neither "5" nor true is a count.
WholeNumber = BeforeValidator(_reject_text_and_booleans)

# Primary keys are PostgreSQL `integer`s; anything outside that range can't name a row.
MAX_ROW_ID = 2_147_483_647
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]

# NUMERIC(12, 2): the largest amount a price, a line or an order can hold.
MAX_AMOUNT = Decimal("9999999999.99")
_CENTS = r"(\.[0-9]{1,2})?"


class _Amount:
    """An amount in a request: a JSON number, or a string of digits with at most two decimals
    ("19.90"). Pydantic alone would also read "1e3" and document any string at all."""

    def __init__(self, *, positive: bool) -> None:
        digits = r"[1-9][0-9]{0,9}" + _CENTS + r"|0\.(0[1-9]|[1-9][0-9]?)"
        self.pattern = re.compile(f"^({digits if positive else r'[0-9]{1,10}' + _CENTS})$")
        self.number: dict[str, Any] = {
            "type": "number",
            "maximum": float(MAX_AMOUNT),
            "multipleOf": 0.01,
            **({"exclusiveMinimum": 0} if positive else {"minimum": 0}),
        }

    def _check_text(self, value: object) -> object:
        if isinstance(value, str) and not self.pattern.match(value):
            raise PydanticCustomError(
                "amount_format", "An amount is digits with at most two decimals, like 19.90"
            )
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self._check_text, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"anyOf": [self.number, {"type": "string", "pattern": self.pattern.pattern}]}


# Money is Decimal end to end. In: a JSON number or string with at most two decimals.
# Out: always a string with exactly two decimals ("19.90"), never a float.
MoneyInput = Annotated[
    Decimal, Field(gt=0, max_digits=12, decimal_places=2), _Amount(positive=True)
]
# A bound of a price filter: any amount a price could be, including none at all.
AmountBound = Annotated[
    Decimal, Field(ge=0, max_digits=12, decimal_places=2), _Amount(positive=False)
]


def _require_iso_datetime(value: object) -> object:
    # Pydantic would also read "1700000000" or "0.5" as seconds since 1970: not a date-time.
    if isinstance(value, str) and not ISO_DATETIME_START.match(value):
        raise PydanticCustomError("datetime_format", "Expected an ISO 8601 date-time")
    return value


def _in_utc(value: datetime) -> datetime:
    """Without an offset, a date-time is UTC (not the server's zone); either way it must be
    a date-time in UTC too, which is what PostgreSQL's driver converts it to."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError(
            "datetime_out_of_range", "The date-time falls outside years 1 to 9999 in UTC"
        ) from None


ISO_DATETIME_START = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
# A date-time as the schema promises: ISO 8601, like "2026-01-31T12:00:00Z"; UTC when it
# carries no offset.
IsoDateTime = Annotated[
    datetime,
    BeforeValidator(_require_iso_datetime),
    AfterValidator(_in_utc),
]


def _require_iso_date(value: object) -> object:
    # Pydantic would also read "0" as 1970-01-01, or a date-time at midnight as its date.
    if isinstance(value, str) and not ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_format", "Expected an ISO 8601 date, YYYY-MM-DD")
    return value


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A calendar date as the schema promises: "2026-01-31" and nothing else.
IsoDate = Annotated[date, BeforeValidator(_require_iso_date)]

Money = Annotated[
    Decimal,
    PlainSerializer(lambda amount: f"{amount:.2f}", return_type=str, when_used="json"),
    Field(json_schema_extra={"pattern": r"^-?\d+\.\d{2}$", "examples": ["19.90"]}),
]
