"""Pending orders expire: past PENDING_ORDER_TTL_SECONDS they are cancelled by the system and
their stock comes back, exactly once, whoever else acts on them at the same moment.

The sweeps run for real, on databases of their own where every request commits: orders are
aged by moving their creation into the past, or (for the app's own sweeper) by a TTL of a
second.
"""

import asyncio
from collections import Counter
from datetime import timedelta

from conftest import MakeSettings
from helpers import LiveShop, assert_error, assert_ok, async_retrying, open_live_shop
from orders_support import (
    ORDERS_URL,
    age_orders,
    expiries,
    lines,
    placed_order,
    set_status,
    statuses,
)
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.core.config import Settings
from app.orders.models import IdempotencyKey, OrderStatus
from app.orders.service import IDEMPOTENCY_KEY_LIFETIME
from app.orders.sweeper import SWEEPER_LOCK, SweepResult, sweep

TTL_SECONDS = 3600
# Far beyond what an expiry takes; only a broken sweeper makes a test wait this long.
WAIT_SECONDS = 60.0


def expiring_after(shop: LiveShop, ttl_seconds: int) -> Settings:
    """The shop's settings, with pending orders expiring after `ttl_seconds` (0: never)."""
    return shop.settings.model_copy(update={"PENDING_ORDER_TTL_SECONDS": ttl_seconds})


async def place(shop: LiveShop, product_id: int, quantity: int, customer: int = 0) -> int:
    order = await placed_order(shop.client, shop.customer_headers[customer], (product_id, quantity))
    return int(order["id"])


async def test_the_apps_sweeper_expires_a_pending_order_and_returns_its_stock(
    make_live_settings: MakeSettings,
) -> None:
    settings = make_live_settings(PENDING_ORDER_TTL_SECONDS=1, ORDER_SWEEP_INTERVAL_SECONDS=0.2)
    async with open_live_shop(settings) as shop:
        product_id = await shop.add_product(stock=10)
        owner = shop.customer_headers[0]
        order = await placed_order(shop.client, owner, (product_id, 4))
        assert order["status"] == "pending"
        assert await shop.stock(product_id) == 6

        async for attempt in async_retrying(WAIT_SECONDS):
            with attempt:
                status = (await statuses(shop.sessions))[order["id"]]
                assert status is not OrderStatus.PENDING, "the sweeper never expired the order"

        assert await shop.stock(product_id) == 10
        response = await shop.client.get(f"{ORDERS_URL}/{order['id']}/history", headers=owner)
        assert response.status_code == 200
        history = response.json()
        assert history[-1] | {"changed_at": None} == {
            "from_status": "pending",
            "to_status": "cancelled",
            "changed_by": None,
            "reason": "expired",
            "carrier": None,
            "tracking_number": None,
            "changed_at": None,
        }
        assert history[0]["reason"] is None
        # Later sweeps find nothing more to return.
        assert await sweep(shop.sessions, expiring_after(shop, 1)) == SweepResult(0, 0)
        assert await shop.stock(product_id) == 10
        assert await expiries(shop.sessions, order["id"]) == 1


async def test_only_pending_orders_past_the_ttl_expire(live_shop: LiveShop) -> None:
    product_id = await live_shop.add_product(stock=100)
    old_pending, old_paid, old_cancelled, young_pending = [
        await place(live_shop, product_id, 1, customer) for customer in range(4)
    ]
    for order_id, status in [(old_paid, OrderStatus.PAID), (old_cancelled, OrderStatus.CANCELLED)]:
        assert_ok(await set_status(live_shop.client, live_shop.admin_headers, order_id, status))
    await age_orders(live_shop.sessions, old_pending, old_paid, old_cancelled)

    result = await sweep(live_shop.sessions, expiring_after(live_shop, TTL_SECONDS))

    assert result == SweepResult(expired_orders=1, purged_keys=0)
    assert await statuses(live_shop.sessions) == {
        old_pending: OrderStatus.CANCELLED,
        old_paid: OrderStatus.PAID,
        old_cancelled: OrderStatus.CANCELLED,
        young_pending: OrderStatus.PENDING,
    }
    # The old cancelled order's unit came back when it was cancelled, not a second time.
    assert await live_shop.stock(product_id) == 98


async def test_a_ttl_of_zero_expires_nothing(live_shop: LiveShop) -> None:
    product_id = await live_shop.add_product(stock=10)
    order_id = await place(live_shop, product_id, 2)
    await age_orders(live_shop.sessions, order_id)

    assert await sweep(live_shop.sessions, expiring_after(live_shop, 0)) == SweepResult(0, 0)

    assert (await statuses(live_shop.sessions))[order_id] is OrderStatus.PENDING
    assert await live_shop.stock(product_id) == 8


async def test_an_admin_marking_paid_during_a_sweep_either_wins_or_gets_a_409(
    live_shop: LiveShop,
) -> None:
    product_id = await live_shop.add_product(stock=1000)
    order_ids = [
        await place(live_shop, product_id, 3, customer) for customer in range(10) for _ in range(3)
    ]
    await age_orders(live_shop.sessions, *order_ids)

    sweeping = asyncio.create_task(
        sweep(live_shop.sessions, expiring_after(live_shop, TTL_SECONDS))
    )
    payments = await asyncio.gather(
        *(
            set_status(live_shop.client, live_shop.admin_headers, order_id, OrderStatus.PAID)
            for order_id in order_ids
        )
    )
    result = await sweeping

    final = await statuses(live_shop.sessions)
    for order_id, payment in zip(order_ids, payments, strict=True):
        if payment.status_code == 200:
            assert final[order_id] is OrderStatus.PAID
            assert await expiries(live_shop.sessions, order_id) == 0
        else:
            assert_error(payment, 409, "invalid_status_transition")
            assert final[order_id] is OrderStatus.CANCELLED
            assert await expiries(live_shop.sessions, order_id) == 1
    paid = sum(payment.status_code == 200 for payment in payments)
    assert result is not None
    assert result.expired_orders == len(order_ids) - paid
    assert await live_shop.stock(product_id) == 1000 - 3 * paid


async def test_customers_cancelling_during_a_sweep_get_their_stock_back_once(
    live_shop: LiveShop,
) -> None:
    product_id = await live_shop.add_product(stock=1000)
    placed = [(customer, await place(live_shop, product_id, 5, customer)) for customer in range(10)]
    await age_orders(live_shop.sessions, *(order_id for _, order_id in placed))

    sweeping = asyncio.create_task(
        sweep(live_shop.sessions, expiring_after(live_shop, TTL_SECONDS))
    )
    cancels = await asyncio.gather(
        *(
            live_shop.client.post(
                f"{ORDERS_URL}/{order_id}/cancel", headers=live_shop.customer_headers[customer]
            )
            for customer, order_id in placed
        )
    )
    await sweeping

    assert set(Counter(response.status_code for response in cancels)) <= {200, 409}
    assert set((await statuses(live_shop.sessions)).values()) == {OrderStatus.CANCELLED}
    assert await live_shop.stock(product_id) == 1000


async def test_two_sweepers_at_once_expire_each_order_once(live_shop: LiveShop) -> None:
    product_id = await live_shop.add_product(stock=1000)
    order_ids = [
        await place(live_shop, product_id, 2, customer) for customer in range(10) for _ in range(5)
    ]
    await age_orders(live_shop.sessions, *order_ids)
    # A second engine, as a second worker or replica has.
    engine = live_shop.sessions.kw["bind"]
    other_engine = create_async_engine(engine.url)
    try:
        results = await asyncio.gather(
            sweep(live_shop.sessions, expiring_after(live_shop, TTL_SECONDS)),
            sweep(async_sessionmaker(other_engine), expiring_after(live_shop, TTL_SECONDS)),
        )
    finally:
        await other_engine.dispose()

    expired = sum(result.expired_orders for result in results if result is not None)
    assert expired == len(order_ids)
    for order_id in order_ids:
        assert await expiries(live_shop.sessions, order_id) == 1
    assert await live_shop.stock(product_id) == 1000


async def test_a_sweeper_skips_its_turn_while_another_holds_the_lock(live_shop: LiveShop) -> None:
    product_id = await live_shop.add_product(stock=10)
    order_id = await place(live_shop, product_id, 1)
    await age_orders(live_shop.sessions, order_id)

    async with live_shop.sessions() as other_sweeper, other_sweeper.begin():
        await other_sweeper.execute(select(func.pg_advisory_xact_lock(SWEEPER_LOCK, 0)))
        assert await sweep(live_shop.sessions, expiring_after(live_shop, TTL_SECONDS)) is None
        assert (await statuses(live_shop.sessions))[order_id] is OrderStatus.PENDING

    assert await sweep(live_shop.sessions, expiring_after(live_shop, TTL_SECONDS)) == SweepResult(
        1, 0
    )


async def test_expired_idempotency_keys_are_purged_and_live_ones_kept(
    live_shop: LiveShop,
) -> None:
    product_id = await live_shop.add_product(stock=10)
    for key in ("old", "recent"):
        response = await live_shop.client.post(
            ORDERS_URL,
            json={"items": lines((product_id, 1))},
            headers={**live_shop.customer_headers[0], "Idempotency-Key": key},
        )
        assert_ok(response, 201)
    async with live_shop.sessions() as session, session.begin():
        await session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "old")
            .values(created_at=func.now() - IDEMPOTENCY_KEY_LIFETIME - timedelta(minutes=1))
        )

    assert await sweep(live_shop.sessions, expiring_after(live_shop, 0)) == SweepResult(0, 1)

    async with live_shop.sessions() as session:
        kept = await session.scalars(select(IdempotencyKey.key))
        assert kept.all() == ["recent"]


async def test_the_sweep_and_the_caps_use_indexes(live_shop: LiveShop) -> None:
    async with live_shop.sessions() as session:
        indexes = await session.scalars(
            text(
                "SELECT indexname FROM pg_indexes WHERE tablename IN ('orders', 'idempotency_keys')"
            )
        )
        assert {"ix_idempotency_keys_order_id", "ix_orders_pending_user_id"} <= set(indexes)
