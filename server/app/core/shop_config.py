"""What every client needs to know about the shop before anything else: its currency, its
clock, whether it takes sign-ups and whether it can mail a password reset. Public, and only
what the settings make public."""

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from app.core.dependencies import SettingsDep
from app.core.routing import ApiRoute

# The settings change only with a restart: a minute in caches spares the API a request per
# page load, and a new value reaches every browser within a minute.
CACHE_CONTROL = "public, max-age=60"

router = APIRouter(prefix="/api/config", tags=["config"], route_class=ApiRoute)


class ShopConfig(BaseModel):
    currency: str = Field(description="ISO 4217 code of the currency every amount is in")
    business_timezone: str = Field(
        description="IANA time zone of the shop's day: order numbers' dates and daily figures"
    )
    allow_registration: bool = Field(description="Whether anyone may sign up")
    require_shipping_address: bool = Field(
        description="Whether an order needs a shipping address (its own or the customer's "
        "default); false in a shop that hands goods over the counter"
    )
    password_reset: bool = Field(
        description="Whether the shop sends mail, so that a forgotten password can be reset by "
        'email (`POST /api/auth/password-reset`); without it, hide "Forgot password?"'
    )


@router.get("")
async def read_shop_config(settings: SettingsDep, response: Response) -> ShopConfig:
    """The shop's currency, time zone, sign-up policy, whether orders need a shipping
    address and whether it sends password resets, for any client, signed in or not."""
    response.headers["Cache-Control"] = CACHE_CONTROL
    return ShopConfig(
        currency=settings.CURRENCY,
        business_timezone=settings.BUSINESS_TIMEZONE,
        allow_registration=settings.ALLOW_REGISTRATION,
        require_shipping_address=settings.ORDERS_REQUIRE_SHIPPING_ADDRESS,
        password_reset=settings.email_enabled,
    )
