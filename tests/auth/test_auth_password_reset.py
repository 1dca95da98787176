"""Password reset by mail, end to end: the app writes the mail to its outbox, its sender
delivers it to a real SMTP server, and the link in the mail sets the new password."""

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from conftest import Serve
from helpers import (
    DEFAULT_PASSWORD,
    assert_error,
    assert_ok,
    assert_unauthorized,
    bearer,
    client_for,
    login,
    refresh,
    sign_in,
)
from mail_support import MailShop, open_mail_shop, outbox_rows
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.models import PasswordResetToken
from app.core.config import Settings
from app.core.locales import Locale, preferred_locale
from app.email.models import OutboxEmail
from app.users.models import User

RESET_URL = "/api/auth/password-reset"
CONFIRM_URL = "/api/auth/password-reset/confirm"
NEW_PASSWORD = "a-password-from-the-mail"
ACCEPTED = {
    "detail": "If an active account has this address, a link to reset its password is on its way."
}
MakeSettings = Callable[..., Settings]


@pytest.fixture
async def reset_shop(make_live_settings: MakeSettings) -> AsyncIterator[MailShop]:
    async with open_mail_shop(make_live_settings) as shop:
        yield shop


def token_of(mail: EmailMessage) -> str:
    """The token of the link in the mail's plain-text part."""
    plain = mail.get_body(("plain",))
    assert isinstance(plain, EmailMessage)
    (link,) = [line for line in plain.get_content().splitlines() if "reset-password" in line]
    parts = urlsplit(link.strip())
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://shop.example/reset-password"
    (token,) = parse_qs(parts.query)["token"]
    return str(token)


async def ask(client: httpx.AsyncClient, email: str, **headers: str) -> httpx.Response:
    return await client.post(RESET_URL, json={"email": email}, headers=headers)


async def confirm(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post(CONFIRM_URL, json={"token": token, "new_password": NEW_PASSWORD})


async def test_the_link_in_the_mail_sets_a_new_password_and_ends_every_session(
    reset_shop: MailShop,
) -> None:
    client = reset_shop.shop.client
    before = await sign_in(client, "live1")

    assert assert_ok(await ask(client, "LIVE1@example.com"), 202) == ACCEPTED
    (mail,) = await reset_shop.mails_to("live1@example.com")
    assert mail["Subject"] == "Reset your password"
    html = mail.get_body(("html",))
    assert isinstance(html, EmailMessage)
    assert 'href="https://shop.example/reset-password?token=' in html.get_content()

    assert (await confirm(client, token_of(mail))).status_code == 204
    await sign_in(client, "live1", NEW_PASSWORD)
    assert_unauthorized(await login(client, "live1", DEFAULT_PASSWORD), "invalid_credentials")
    assert_unauthorized(await refresh(client, before["refresh_token"]), "invalid_refresh_token")
    # Used up: the same link again is refused.
    assert_error(await confirm(client, token_of(mail)), 400, "invalid_reset_token")


async def test_the_mail_is_in_the_accounts_language_whatever_the_browser_asks(
    reset_shop: MailShop,
) -> None:
    client = reset_shop.shop.client
    tokens = await sign_in(client, "live2")
    chosen = await client.patch(
        "/api/users/me", json={"locale": "zh-CN"}, headers=bearer(tokens["access_token"])
    )
    assert assert_ok(chosen)["locale"] == "zh-CN"
    await ask(client, "live2@example.com", **{"Accept-Language": "en-US,en;q=0.9"})

    (mail,) = await reset_shop.mails_to("live2@example.com")
    assert mail["Subject"] == "重置您的密码"
    plain = mail.get_body(("plain",))
    assert isinstance(plain, EmailMessage)
    assert plain.get_content().startswith("live2")
    assert "您好" in plain.get_content()


async def test_a_newer_request_supersedes_the_older_link(reset_shop: MailShop) -> None:
    client = reset_shop.shop.client
    await ask(client, "live3@example.com")
    await reset_shop.mails_to("live3@example.com")
    await ask(client, "live3@example.com")
    first, second = await reset_shop.mails_to("live3@example.com", 2)

    assert_error(await confirm(client, token_of(first)), 400, "invalid_reset_token")
    assert (await confirm(client, token_of(second))).status_code == 204


async def test_an_expired_link_is_refused(reset_shop: MailShop) -> None:
    client = reset_shop.shop.client
    await ask(client, "live4@example.com")
    (mail,) = await reset_shop.mails_to("live4@example.com")
    async with reset_shop.shop.sessions() as session, session.begin():
        await session.execute(
            update(PasswordResetToken).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )

    assert_error(await confirm(client, token_of(mail)), 400, "invalid_reset_token")
    await sign_in(reset_shop.shop.client, "live4")


async def test_a_link_of_a_deactivated_account_is_refused(reset_shop: MailShop) -> None:
    client = reset_shop.shop.client
    await ask(client, "live5@example.com")
    (mail,) = await reset_shop.mails_to("live5@example.com")
    async with reset_shop.shop.sessions() as session, session.begin():
        await session.execute(update(User).where(User.username == "live5").values(is_active=False))

    assert_error(await confirm(client, token_of(mail)), 400, "invalid_reset_token")


async def test_a_password_changed_another_way_since_the_mail_voids_its_link(
    reset_shop: MailShop,
) -> None:
    client = reset_shop.shop.client
    await ask(client, "live6@example.com")
    (mail,) = await reset_shop.mails_to("live6@example.com")
    tokens = await sign_in(client, "live6")
    changed = await client.post(
        "/api/users/me/password",
        json={"current_password": DEFAULT_PASSWORD, "new_password": "changed-in-the-profile"},
        headers=bearer(tokens["access_token"]),
    )
    assert changed.status_code == 204, changed.text

    assert_error(await confirm(client, token_of(mail)), 400, "invalid_reset_token")
    await sign_in(client, "live6", "changed-in-the-profile")


async def test_an_unknown_token_is_refused(reset_shop: MailShop) -> None:
    assert_error(await confirm(reset_shop.shop.client, "no-such-token"), 400, "invalid_reset_token")


async def test_unknown_and_inactive_addresses_get_the_same_answer_and_no_mail(
    reset_shop: MailShop,
) -> None:
    client = reset_shop.shop.client
    async with reset_shop.shop.sessions() as session, session.begin():
        await session.execute(update(User).where(User.username == "live6").values(is_active=False))

    unknown = await ask(client, "nobody@example.com")
    inactive = await ask(client, "live6@example.com")

    assert assert_ok(unknown, 202) == assert_ok(inactive, 202) == ACCEPTED
    assert await outbox_rows(reset_shop.shop.sessions) == []
    async with reset_shop.shop.sessions() as session:
        assert list(await session.scalars(select(PasswordResetToken))) == []


async def test_concurrent_requests_for_one_address_send_three_mails(
    reset_shop: MailShop,
) -> None:
    responses = await asyncio.gather(
        *(ask(reset_shop.shop.client, "live7@example.com") for _ in range(8))
    )

    statuses = [response.status_code for response in responses]
    assert statuses.count(202) == 3, statuses
    for response in responses:
        if response.status_code == 429:
            assert_error(response, 429, "too_many_password_resets")
            assert int(response.headers["Retry-After"]) >= 1
    assert len(await outbox_rows(reset_shop.shop.sessions)) == 3


async def test_concurrent_requests_from_one_client_are_capped_at_ten(
    reset_shop: MailShop,
) -> None:
    async with client_for(reset_shop.shop.app, client_ip="203.0.113.7") as client:
        responses = await asyncio.gather(
            *(ask(client, f"someone{index}@example.com") for index in range(14))
        )

    statuses = [response.status_code for response in responses]
    assert (statuses.count(202), statuses.count(429)) == (10, 4), statuses


async def test_without_a_mail_server_a_request_answers_as_usual_and_writes_nothing(
    serve: Serve, user: User, session: AsyncSession
) -> None:
    async with serve() as client:
        response = await ask(client, user.email)

    assert assert_ok(response, 202) == ACCEPTED
    assert await session.scalar(select(func.count()).select_from(OutboxEmail)) == 0
    assert await session.scalar(select(func.count()).select_from(PasswordResetToken)) == 0


async def test_the_new_password_follows_the_rules_of_every_password(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(CONFIRM_URL, json={"token": "t", "new_password": "short"})
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("header", "locale"),
    [
        (None, Locale.EN),
        ("", Locale.EN),
        ("fr-FR", Locale.EN),
        ("zh", Locale.ZH_CN),
        ("zh-TW;q=0.5, en;q=0.9", Locale.EN),
        ("en;q=0.3, zh-CN;q=0.8", Locale.ZH_CN),
        ("en;q=bad, zh", Locale.ZH_CN),
    ],
)
def test_the_locale_is_the_one_accept_language_ranks_highest(
    header: str | None, locale: Locale
) -> None:
    assert preferred_locale(header) is locale
