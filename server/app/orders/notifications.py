"""The customer's mail about their order: placed, paid, shipped, cancelled (by them, by the
shop, or by expiry). Written to the outbox in the transaction that moves the order, so a
change that rolls back mails nothing and one that commits is mailed however SMTP fares."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from string import Template
from typing import Any

from babel import Locale as BabelLocale
from babel.numbers import format_currency
from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.config import Settings
from app.core.locales import Locale
from app.email import service as outbox
from app.email.mail import Footer, Link, Mail, MailContent, render
from app.orders.models import Order, OrderStatus
from app.users.callers import Caller
from app.users.models import User


class OrderEvent(StrEnum):
    PLACED = "placed"
    PAID = "paid"
    SHIPPED = "shipped"
    CANCELLED_BY_CUSTOMER = "cancelled_by_customer"
    CANCELLED_BY_SHOP = "cancelled_by_shop"
    EXPIRED = "expired"


CANCELLATIONS = frozenset(
    {OrderEvent.CANCELLED_BY_CUSTOMER, OrderEvent.CANCELLED_BY_SHOP, OrderEvent.EXPIRED}
)


def status_event(order: Order, *, to: OrderStatus, actor: Caller | None) -> OrderEvent | None:
    """What a move to `to` tells the customer; None for a move they aren't mailed about. A
    cancellation without an actor is the expiry's."""
    if to is OrderStatus.PAID:
        return OrderEvent.PAID
    if to is OrderStatus.SHIPPED:
        return OrderEvent.SHIPPED
    if to is OrderStatus.CANCELLED:
        if actor is None:
            return OrderEvent.EXPIRED
        if actor.id == order.user_id:
            return OrderEvent.CANCELLED_BY_CUSTOMER
        return OrderEvent.CANCELLED_BY_SHOP
    return None


@dataclass(frozen=True)
class OrderTexts:
    greeting: Template
    subjects: dict[OrderEvent, Template]
    messages: dict[OrderEvent, Template]
    total: str
    ships_to: str
    carrier: str
    tracking_number: str
    view_order: str
    footer: str
    turn_off: str


_CANCELLED_EN = Template("Order $number cancelled")
_CANCELLED_ZH = Template("订单 $number 已取消")

TEXTS = {
    Locale.EN: OrderTexts(
        greeting=Template("Hello $name,"),
        subjects={
            OrderEvent.PLACED: Template("Order $number received"),
            OrderEvent.PAID: Template("Order $number paid"),
            OrderEvent.SHIPPED: Template("Order $number shipped"),
            OrderEvent.CANCELLED_BY_CUSTOMER: _CANCELLED_EN,
            OrderEvent.CANCELLED_BY_SHOP: _CANCELLED_EN,
            OrderEvent.EXPIRED: _CANCELLED_EN,
        },
        messages={
            OrderEvent.PLACED: Template(
                "Thank you for your order $number: its items are set aside for you. We'll "
                "write again once your payment is confirmed."
            ),
            OrderEvent.PAID: Template(
                "We have received the payment for your order $number and are preparing it "
                "for shipment."
            ),
            OrderEvent.SHIPPED: Template("Your order $number is on its way."),
            OrderEvent.CANCELLED_BY_CUSTOMER: Template(
                "Your order $number is cancelled, as you asked."
            ),
            OrderEvent.CANCELLED_BY_SHOP: Template("The shop has cancelled your order $number."),
            OrderEvent.EXPIRED: Template(
                "Your order $number was cancelled because it wasn't paid in time; its items "
                "are back on sale. You are welcome to order again."
            ),
        },
        total="Total",
        ships_to="Ships to",
        carrier="Carrier",
        tracking_number="Tracking number",
        view_order="View your order",
        footer="You get this mail because you ordered from our shop.",
        turn_off="Turn off order emails",
    ),
    Locale.ZH_CN: OrderTexts(
        greeting=Template("$name，您好："),
        subjects={
            OrderEvent.PLACED: Template("已收到订单 $number"),
            OrderEvent.PAID: Template("订单 $number 已付款"),
            OrderEvent.SHIPPED: Template("订单 $number 已发货"),
            OrderEvent.CANCELLED_BY_CUSTOMER: _CANCELLED_ZH,
            OrderEvent.CANCELLED_BY_SHOP: _CANCELLED_ZH,
            OrderEvent.EXPIRED: _CANCELLED_ZH,
        },
        messages={
            OrderEvent.PLACED: Template(
                "感谢您的订购！我们已收到订单 $number，并为您预留了商品。确认收款后我们会再通知您。"
            ),
            OrderEvent.PAID: Template("我们已收到订单 $number 的付款，正在为您备货。"),
            OrderEvent.SHIPPED: Template("您的订单 $number 已发出。"),
            OrderEvent.CANCELLED_BY_CUSTOMER: Template("您的订单 $number 已按您的要求取消。"),
            OrderEvent.CANCELLED_BY_SHOP: Template("商家已取消您的订单 $number。"),
            OrderEvent.EXPIRED: Template(
                "您的订单 $number 因未按时付款已自动取消，商品已重新上架。欢迎再次下单。"
            ),
        },
        total="合计",
        ships_to="收货地址",
        carrier="承运商",
        tracking_number="运单号",
        view_order="查看订单",
        footer="您收到此邮件，是因为您在本店下了订单。",
        turn_off="关闭订单邮件",
    ),
}


def _babel_locale(locale: Locale) -> BabelLocale:
    return BabelLocale.parse(locale, sep="-")


def _one_line(address: dict[str, Any], locale: Locale) -> str:
    country = _babel_locale(locale).territories.get(address["country"], address["country"])
    parts = [
        address.get(name)
        for name in ("recipient", "line1", "line2", "city", "region", "postal_code")
    ]
    return ", ".join([part for part in parts if part] + [country])


def _facts(
    order: Order, event: OrderEvent, texts: OrderTexts, locale: Locale, currency: str
) -> list[tuple[str, str]]:
    def money(amount: Decimal) -> str:
        return format_currency(amount, currency, locale=_babel_locale(locale))

    facts: list[tuple[str, str]] = []
    if event is OrderEvent.PLACED or event in CANCELLATIONS:
        facts += [
            (f"{item.product_name} × {item.quantity}", money(item.line_total))
            for item in order.items
        ]
    if event is not OrderEvent.SHIPPED:
        facts.append((texts.total, money(order.total_amount)))
    if event is OrderEvent.SHIPPED:
        facts += [
            (label, value)
            for label, value in (
                (texts.carrier, order.carrier),
                (texts.tracking_number, order.tracking_number),
            )
            if value
        ]
    if event in (OrderEvent.PLACED, OrderEvent.SHIPPED) and order.shipping_address:
        facts.append((texts.ships_to, _one_line(order.shipping_address, locale)))
    return facts


@dataclass(frozen=True)
class Recipient:
    """What an order mail needs of its customer, read in the transaction of the change it
    tells them about."""

    email: str
    locale: Locale
    name: str
    # An active account with order mails on.
    wants_order_mail: bool


# The users' columns a `Recipient` is made of: select them along with whatever else is read.
RECIPIENT_COLUMNS = (
    User.email,
    User.locale,
    User.full_name,
    User.username,
    User.is_active,
    User.order_emails,
)


def recipient(row: Row[*tuple[Any, ...]]) -> Recipient:
    """The `Recipient` in a row that selected RECIPIENT_COLUMNS."""
    return Recipient(
        email=row.email,
        locale=row.locale,
        name=row.full_name or row.username,
        wants_order_mail=row.is_active and row.order_emails,
    )


def order_mail(order: Order, customer: Recipient, event: OrderEvent, settings: Settings) -> Mail:
    locale = customer.locale
    texts = TEXTS[locale]
    number = {"number": order.order_number}
    return render(
        MailContent(
            locale=locale,
            subject=texts.subjects[event].substitute(number),
            greeting=texts.greeting.substitute(name=customer.name),
            paragraphs=[texts.messages[event].substitute(number)],
            facts=_facts(order, event, texts, locale, settings.CURRENCY),
            action=Link(texts.view_order, f"{settings.public_url}/orders/{order.id}"),
            footer=Footer(
                texts.footer, Link(texts.turn_off, f"{settings.public_url}/profile#notifications")
            ),
        )
    )


async def notify(
    session: AsyncSession,
    order: Order,
    event: OrderEvent,
    *,
    customer: Recipient,
    settings: Settings,
) -> None:
    """Mail `customer`, the order's owner, about `event`, in `session`'s transaction, unless
    the shop sends no mail or they turned order mails off."""
    if settings.email_enabled and customer.wants_order_mail:
        await outbox.enqueue(
            session,
            to=customer.email,
            mail=order_mail(order, customer, event, settings),
            settings=settings,
        )


async def notify_owners(
    session: AsyncSession, orders: Sequence[Order], event: OrderEvent, *, settings: Settings
) -> None:
    """`notify` each order's owner, the owners read in one query."""
    if not settings.email_enabled or not orders:
        return
    owner_ids = {order.user_id for order in orders}
    rows = await session.execute(select(User.id, *RECIPIENT_COLUMNS).where(User.id.in_(owner_ids)))
    owners = {row.id: recipient(row) for row in rows}
    for order in orders:
        await notify(session, order, event, customer=owners[order.user_id], settings=settings)
