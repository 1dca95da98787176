"""The customer's mails about their orders, through the outbox to a real SMTP server: placed,
paid, shipped (with the shipment), cancelled by them, by the shop or by expiry; in their
language; never when they turned order mails off, nor for a change that didn't happen."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from email.message import EmailMessage
from typing import Any

import pytest
from helpers import LiveShop, assert_ok
from mail_support import MailShop, open_mail_shop, outbox_rows
from orders_support import ORDERS_URL, age_orders, placed_order, set_status
from sqlalchemy import update

from app.core.addresses import EXAMPLE_ADDRESS
from app.core.config import Settings
from app.email.models import OutboxEmail
from app.orders.models import OrderStatus
from app.orders.sweeper import sweep
from app.products.models import Product

MakeSettings = Callable[..., Settings]
TRACKING = {"carrier": "SF Express", "tracking_number": "SF1234567890"}


@pytest.fixture
async def mail_shop(make_live_settings: MakeSettings) -> AsyncIterator[MailShop]:
    async with open_mail_shop(make_live_settings, CURRENCY="CNY") as shop:
        yield shop


def text_of(mail: EmailMessage) -> str:
    plain = mail.get_body(("plain",))
    assert isinstance(plain, EmailMessage)
    return str(plain.get_content())


def html_of(mail: EmailMessage) -> str:
    html = mail.get_body(("html",))
    assert isinstance(html, EmailMessage)
    return str(html.get_content())


async def customer(shop: LiveShop, index: int = 0) -> tuple[dict[str, str], str]:
    """The headers and mail address of one of the shop's customers."""
    headers = shop.customer_headers[index]
    me = assert_ok(await shop.client.get("/api/users/me", headers=headers))
    return headers, str(me["email"])


def checkout(product_id: int, quantity: int) -> dict[str, Any]:
    return {
        "items": [{"product_id": product_id, "quantity": quantity}],
        "shipping_address": EXAMPLE_ADDRESS,
    }


async def order_with(shop: LiveShop, headers: dict[str, str], product_id: int) -> dict[str, Any]:
    body = checkout(product_id, 2)
    return assert_ok(await shop.client.post(ORDERS_URL, json=body, headers=headers), 201)


async def outbox_rows_to(shop: LiveShop, address: str) -> list[OutboxEmail]:
    """The mails written for `address`, sent or not: none means none was ever written."""
    return [row for row in await outbox_rows(shop.sessions) if row.recipient == address]


async def cancel_as_shop(shop: LiveShop, order_id: int) -> None:
    assert_ok(await set_status(shop.client, shop.admin_headers, order_id, OrderStatus.CANCELLED))


async def test_a_customer_is_mailed_when_their_order_is_placed_paid_and_shipped(
    mail_shop: MailShop,
) -> None:
    shop = mail_shop.shop
    product_id = await shop.add_product(stock=10, price="12.50")
    headers, address = await customer(shop)

    order = await order_with(shop, headers, product_id)
    number = order["order_number"]
    assert_ok(await set_status(shop.client, shop.admin_headers, order["id"], OrderStatus.PAID))
    shipped = await shop.client.patch(
        f"{ORDERS_URL}/{order['id']}/status",
        json={"status": "shipped", **TRACKING},
        headers=shop.admin_headers,
    )
    assert_ok(shipped)

    placed, paid, on_its_way = await mail_shop.mails_to(address, 3)
    assert [placed["Subject"], paid["Subject"], on_its_way["Subject"]] == [
        f"Order {number} received",
        f"Order {number} paid",
        f"Order {number} shipped",
    ]
    placed_text = text_of(placed)
    product = await shop.product(product_id)
    assert product is not None
    assert f"{product.name} × 2: CN¥25.00" in placed_text
    assert "Total: CN¥25.00" in placed_text
    ships_to = (
        "Ships to: Alice Martin, 88 Century Avenue, Floor 12, Shanghai, Shanghai, 200120, China"
    )
    assert ships_to in placed_text
    assert f"https://shop.example/orders/{order['id']}" in html_of(placed)
    assert "Total: CN¥25.00" in text_of(paid)
    assert "Carrier: SF Express" in text_of(on_its_way)
    assert "Tracking number: SF1234567890" in text_of(on_its_way)
    for mail in (placed, paid, on_its_way):
        assert mail["List-Unsubscribe"] == "<https://shop.example/profile#notifications>"
        assert "https://shop.example/profile#notifications" in text_of(mail)
        assert 'href="https://shop.example/profile#notifications"' in html_of(mail)


async def test_a_cancellation_says_who_cancelled_the_customer_the_shop_or_the_expiry(
    mail_shop: MailShop,
) -> None:
    shop = mail_shop.shop
    product_id = await shop.add_product(stock=10)
    (by_customer, by_shop, by_expiry) = [await customer(shop, index) for index in range(3)]
    orders = [
        await order_with(shop, headers, product_id)
        for headers, _ in (by_customer, by_shop, by_expiry)
    ]

    cancel = f"{ORDERS_URL}/{orders[0]['id']}/cancel"
    assert_ok(await shop.client.post(cancel, headers=by_customer[0]))
    assert_ok(
        await set_status(shop.client, shop.admin_headers, orders[1]["id"], OrderStatus.CANCELLED)
    )
    await age_orders(shop.sessions, orders[2]["id"])
    expiring = shop.settings.model_copy(update={"PENDING_ORDER_TTL_SECONDS": 3600})
    assert (await sweep(shop.sessions, expiring)) is not None

    said = [
        text_of((await mail_shop.mails_to(address, 2))[1])
        for _, address in (by_customer, by_shop, by_expiry)
    ]
    assert "is cancelled, as you asked" in said[0]
    assert "The shop has cancelled your order" in said[1]
    assert "wasn't paid in time" in said[2]
    for text, order in zip(said, orders, strict=True):
        assert order["order_number"] in text


async def test_a_customer_who_speaks_chinese_is_mailed_in_chinese(mail_shop: MailShop) -> None:
    shop = mail_shop.shop
    product_id = await shop.add_product(stock=10, price="12.50")
    headers, address = await customer(shop)
    assert_ok(await shop.client.patch("/api/users/me", json={"locale": "zh-CN"}, headers=headers))

    order = await order_with(shop, headers, product_id)

    (mail,) = await mail_shop.mails_to(address)
    assert mail["Subject"] == f"已收到订单 {order['order_number']}"
    text = text_of(mail)
    assert "合计: ¥25.00" in text
    assert text.rstrip().endswith("关闭订单邮件: https://shop.example/profile#notifications")
    assert "中国" in text
    assert '<html lang="zh-CN">' in html_of(mail)


async def test_a_customer_who_turned_order_mails_off_gets_none(mail_shop: MailShop) -> None:
    shop = mail_shop.shop
    product_id = await shop.add_product(stock=10)
    headers, address = await customer(shop)
    me = await shop.client.patch("/api/users/me", json={"order_emails": False}, headers=headers)
    assert assert_ok(me)["order_emails"] is False

    order = await order_with(shop, headers, product_id)
    assert_ok(await set_status(shop.client, shop.admin_headers, order["id"], OrderStatus.PAID))
    await cancel_as_shop(shop, order["id"])

    assert await outbox_rows_to(shop, address) == []


async def test_a_bulk_change_mails_each_order_moved_and_none_refused(mail_shop: MailShop) -> None:
    shop = mail_shop.shop
    product_id = await shop.add_product(stock=50)
    customers = [await customer(shop, index) for index in range(3)]
    orders = [await order_with(shop, headers, product_id) for headers, _ in customers]
    assert_ok(
        await set_status(shop.client, shop.admin_headers, orders[2]["id"], OrderStatus.CANCELLED)
    )

    bulk = await shop.client.post(
        f"{ORDERS_URL}/bulk-status",
        json={"ids": [order["id"] for order in orders], "status": "paid"},
        headers=shop.admin_headers,
    )

    assert bulk.status_code == 200, bulk.text
    assert [result["ok"] for result in bulk.json()] == [True, True, False]
    for (_, address), expected in zip(customers, ["paid", "paid", "cancelled"], strict=True):
        _, last = await mail_shop.mails_to(address, 2)
        assert last["Subject"].endswith(expected)


async def test_a_checkout_sent_twice_at_once_with_one_key_mails_once(mail_shop: MailShop) -> None:
    shop = mail_shop.shop
    product_id = await shop.add_product(stock=10)
    headers, address = await customer(shop)
    body = checkout(product_id, 1)
    keyed = headers | {"Idempotency-Key": str(uuid.uuid4())}

    responses = await asyncio.gather(
        *(shop.client.post(ORDERS_URL, json=body, headers=keyed) for _ in range(5))
    )

    assert len({response.json()["id"] for response in responses}) == 1
    assert len(await outbox_rows_to(shop, address)) == 1


async def test_a_refused_order_mails_nothing(mail_shop: MailShop) -> None:
    shop = mail_shop.shop
    product_id = await shop.add_product(stock=1)
    headers, address = await customer(shop)
    body = checkout(product_id, 2)

    response = await shop.client.post(ORDERS_URL, json=body, headers=headers)

    assert response.status_code == 409
    assert await outbox_rows_to(shop, address) == []


async def test_names_in_the_html_part_are_text_not_markup(mail_shop: MailShop) -> None:
    shop = mail_shop.shop
    product_id = await shop.add_product(stock=10)
    async with shop.sessions() as session, session.begin():
        await session.execute(
            update(Product).where(Product.id == product_id).values(name="<b>Mug</b> & co")
        )
    headers, address = await customer(shop)

    await order_with(shop, headers, product_id)

    (mail,) = await mail_shop.mails_to(address)
    assert "&lt;b&gt;Mug&lt;/b&gt; &amp; co" in html_of(mail)
    assert "<b>Mug</b>" not in html_of(mail)
    assert "<b>Mug</b> & co × 2" in text_of(mail)


async def test_without_smtp_the_shop_writes_no_order_mail(live_shop: LiveShop) -> None:
    product_id = await live_shop.add_product(stock=10)
    order = await placed_order(live_shop.client, live_shop.customer_headers[0], (product_id, 1))
    assert_ok(
        await set_status(live_shop.client, live_shop.admin_headers, order["id"], OrderStatus.PAID)
    )

    assert await outbox_rows(live_shop.sessions) == []


@pytest.mark.parametrize(
    "change", [{"locale": "fr"}, {"locale": None}, {"order_emails": None}, {"order_emails": "no"}]
)
async def test_mail_choices_take_only_their_values(
    live_shop: LiveShop, change: dict[str, Any]
) -> None:
    headers = live_shop.customer_headers[0]
    before = assert_ok(await live_shop.client.get("/api/users/me", headers=headers))
    assert (before["locale"], before["order_emails"]) == ("en", True)

    response = await live_shop.client.patch("/api/users/me", json=change, headers=headers)

    assert response.status_code == 422
    after = assert_ok(await live_shop.client.get("/api/users/me", headers=headers))
    assert (after["locale"], after["order_emails"]) == ("en", True)
