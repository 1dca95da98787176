"""Concurrent clients over real connections and real commits: no oversell, no deadlock,
no double order, no double restock (the `live_shop` fixture: a database of its own)."""

import asyncio
from collections import Counter

from helpers import LiveShop, assert_ok, wait_for_lock_waiters
from orders_support import ORDERS_URL, lines
from sqlalchemy import NullPool, update
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine

from app.orders.models import Order
from app.products.models import Product

RUSH = 120


async def test_a_rush_on_twenty_units_sells_exactly_twenty(live_shop: LiveShop) -> None:
    product_id = await live_shop.add_product(stock=20)

    responses = await asyncio.gather(
        *(
            live_shop.client.post(
                ORDERS_URL,
                json={"items": lines((product_id, 1))},
                headers=live_shop.customer_headers[index % len(live_shop.customer_headers)],
            )
            for index in range(RUSH)
        )
    )

    outcomes = Counter(response.status_code for response in responses)
    assert outcomes == {201: 20, 409: RUSH - 20}
    refused = {response.json()["code"] for response in responses if response.status_code == 409}
    assert refused == {"insufficient_stock"}
    assert await live_shop.stock(product_id) == 0
    assert await live_shop.count(Order) == 20


async def test_opposite_line_orders_do_not_deadlock(live_shop: LiveShop) -> None:
    first = await live_shop.add_product(stock=1000)
    second = await live_shop.add_product(stock=1000, price="2.00")
    orderings = [lines((first, 1), (second, 1)), lines((second, 1), (first, 1))]

    responses = await asyncio.gather(
        *(
            live_shop.client.post(
                ORDERS_URL,
                json={"items": orderings[index % 2]},
                headers=live_shop.customer_headers[index % len(live_shop.customer_headers)],
            )
            for index in range(RUSH)
        )
    )

    assert Counter(response.status_code for response in responses) == {201: RUSH}
    assert await live_shop.stock(first) == 1000 - RUSH
    assert await live_shop.stock(second) == 1000 - RUSH


async def test_stock_arriving_while_an_order_waits_for_it_is_sold(
    live_shop: LiveShop, migrated_database_url: URL
) -> None:
    """The order's statement started before the restock committed, yet sells what it brought:
    the stock is checked and taken on the locked (newest) row, never on the older one."""
    product_id = await live_shop.add_product(stock=5)
    engine = create_async_engine(migrated_database_url, poolclass=NullPool)
    try:
        async with engine.connect() as restock:
            await restock.execute(
                update(Product)
                .where(Product.id == product_id)
                .values(stock_quantity=Product.stock_quantity + 2)
            )
            ordering = asyncio.ensure_future(
                live_shop.client.post(
                    ORDERS_URL,
                    json={"items": lines((product_id, 6))},
                    headers=live_shop.customer_headers[0],
                )
            )
            await wait_for_lock_waiters(migrated_database_url, 1)
            await restock.commit()
        placed = await ordering
    finally:
        await engine.dispose()

    assert_ok(placed, 201)
    assert await live_shop.stock(product_id) == 1


async def test_concurrent_repeats_of_one_key_make_one_order(live_shop: LiveShop) -> None:
    product_id = await live_shop.add_product(stock=100)
    headers = {**live_shop.customer_headers[0], "Idempotency-Key": "double-click"}

    responses = await asyncio.gather(
        *(
            live_shop.client.post(
                ORDERS_URL, json={"items": lines((product_id, 3))}, headers=headers
            )
            for _ in range(20)
        )
    )

    assert Counter(response.status_code for response in responses) == {201: 1, 200: 19}
    assert len({response.json()["id"] for response in responses}) == 1
    assert await live_shop.stock(product_id) == 97
    assert await live_shop.count(Order) == 1


async def test_racing_cancels_restock_once(live_shop: LiveShop) -> None:
    product_id = await live_shop.add_product(stock=10)
    owner = live_shop.customer_headers[0]
    placed = await live_shop.client.post(
        ORDERS_URL, json={"items": lines((product_id, 4))}, headers=owner
    )
    order_id = placed.json()["id"]
    cancel = f"{ORDERS_URL}/{order_id}/cancel"

    responses = await asyncio.gather(
        live_shop.client.post(cancel, headers=owner),
        live_shop.client.post(cancel, headers=live_shop.admin_headers),
        live_shop.client.post(cancel, headers=owner),
    )

    assert sorted(response.status_code for response in responses) == [200, 409, 409]
    assert await live_shop.stock(product_id) == 10


async def test_overlapping_bulk_changes_and_a_customer_cancel_leave_each_order_consistent(
    live_shop: LiveShop,
) -> None:
    product_id = await live_shop.add_product(stock=100)
    owner = live_shop.customer_headers[0]
    ids = [
        (
            await live_shop.client.post(
                ORDERS_URL, json={"items": lines((product_id, 1))}, headers=owner
            )
        ).json()["id"]
        for _ in range(8)
    ]
    bulk = f"{ORDERS_URL}/bulk-status"
    admin = live_shop.admin_headers

    paying, cancelling, customer_cancel = await asyncio.gather(
        live_shop.client.post(bulk, json={"ids": ids, "status": "paid"}, headers=admin),
        live_shop.client.post(bulk, json={"ids": ids[::-1], "status": "cancelled"}, headers=admin),
        live_shop.client.post(f"{ORDERS_URL}/{ids[3]}/cancel", headers=owner),
    )

    assert paying.status_code == cancelling.status_code == 200
    assert customer_cancel.status_code in {200, 409}
    changes = Counter(result["id"] for result in paying.json() + cancelling.json() if result["ok"])
    changes[ids[3]] += customer_cancel.status_code == 200
    for order_id in ids:
        history = (
            await live_shop.client.get(f"{ORDERS_URL}/{order_id}/history", headers=admin)
        ).json()
        steps = [(entry["from_status"], entry["to_status"]) for entry in history]
        # One entry per change that succeeded, each starting where the one before ended.
        assert len(steps) == 1 + changes[order_id]
        assert all(steps[n][0] == steps[n - 1][1] for n in range(1, len(steps)))
        final = (await live_shop.client.get(f"{ORDERS_URL}/{order_id}", headers=admin)).json()
        # Paid or pending, whichever came first, the bulk cancel or the customer cancels it.
        assert final["status"] == steps[-1][1] == "cancelled"
    # Each order restocked exactly once.
    assert await live_shop.stock(product_id) == 100
