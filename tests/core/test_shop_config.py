import httpx
from conftest import Serve
from pydantic import SecretStr

from app.core.config import Settings

CONFIG_URL = "/api/config"


async def test_the_shop_config_is_public_and_cacheable(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(CONFIG_URL)

    assert response.status_code == 200
    assert response.json() == {
        "currency": "CNY",
        "business_timezone": "Asia/Shanghai",
        "allow_registration": True,
        "require_shipping_address": True,
        "password_reset": False,
    }
    assert response.headers["Cache-Control"] == "public, max-age=60"


async def test_the_shop_config_follows_the_settings(serve: Serve) -> None:
    async with serve(
        CURRENCY="EUR",
        BUSINESS_TIMEZONE="Europe/Paris",
        ALLOW_REGISTRATION=False,
        ORDERS_REQUIRE_SHIPPING_ADDRESS=False,
        SMTP_HOST="127.0.0.1",
        SMTP_FROM="shop@example.com",
    ) as client:
        response = await client.get(CONFIG_URL)

    assert response.json() == {
        "currency": "EUR",
        "business_timezone": "Europe/Paris",
        "allow_registration": False,
        "require_shipping_address": False,
        "password_reset": True,
    }


async def test_the_shop_config_tells_no_secret(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    secret_settings = {
        name
        for name in Settings.model_fields
        if any(word in name for word in ("SECRET", "PASSWORD", "KEY", "URL"))
    }
    assert secret_settings, "no secret setting found: the filter is broken"

    response = await client.get(CONFIG_URL)

    assert not {key.upper() for key in response.json()} & secret_settings
    for name in secret_settings:
        value = getattr(settings, name)
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        assert not text or str(text) not in response.text, name
