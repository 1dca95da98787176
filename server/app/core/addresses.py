"""A shipping address: what an order is sent to, and the default a customer keeps. Shared by
users and orders, so here below both."""

import re
from typing import Annotated, Any

import pycountry
from pydantic import AfterValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from app.core.schemas import ONE_LINE, BlankIsNull, InputModel

MIN_PHONE_DIGITS = 6
_PHONE = r"^\+?[0-9 ()-]+$"
_DIGIT = re.compile(r"[0-9]")


# Printed on a parcel label: one line each. An optional field may be sent blank (it is null
# then), so its schema has no minimum length.
def _text(max_length: int, *, pattern: str = ONE_LINE, min_length: int = 1) -> Any:
    return StringConstraints(
        strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=pattern
    )


def _check_phone(value: str) -> str:
    if len(_DIGIT.findall(value)) < MIN_PHONE_DIGITS:
        raise PydanticCustomError(
            "phone_too_short",
            "A phone number has at least {min_digits} digits",
            {"min_digits": MIN_PHONE_DIGITS},
        )
    return value


def _check_country(value: str) -> str:
    if pycountry.countries.get(alpha_2=value) is None:
        raise PydanticCustomError(
            "country_code", "Expected an ISO 3166-1 alpha-2 country code such as CN or FR"
        )
    return value


Line = Annotated[str, _text(200)]
Name = Annotated[str, _text(100)]
OptionalLine = Annotated[Annotated[str, _text(200, min_length=0)] | None, BlankIsNull]
OptionalName = Annotated[Annotated[str, _text(100, min_length=0)] | None, BlankIsNull]
OptionalPostalCode = Annotated[Annotated[str, _text(20, min_length=0)] | None, BlankIsNull]
Phone = Annotated[
    str,
    _text(32, pattern=_PHONE),
    AfterValidator(_check_phone),
    Field(
        description=f"Digits, spaces, `( ) -` and a leading `+`; {MIN_PHONE_DIGITS} digits at least"
    ),
]
CountryCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_upper=True, min_length=2, max_length=2),
    AfterValidator(_check_country),
    Field(description="ISO 3166-1 alpha-2, any case: `CN`, `fr`"),
]


class ShippingAddress(InputModel):
    """Where a parcel goes. Text is trimmed; an optional field left blank is null."""

    recipient: Name
    phone: Phone
    line1: Line
    line2: OptionalLine = None
    city: Name
    region: OptionalName = None
    postal_code: OptionalPostalCode = None
    country: CountryCode


EXAMPLE_ADDRESS = {
    "recipient": "Alice Martin",
    "phone": "+86 21 5555 0100",
    "line1": "88 Century Avenue",
    "line2": "Floor 12",
    "city": "Shanghai",
    "region": "Shanghai",
    "postal_code": "200120",
    "country": "CN",
}
