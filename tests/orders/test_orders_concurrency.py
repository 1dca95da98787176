"""Concurrent clients over real connections and real commits: no oversell, no deadlock,
no double order, no double restock (the `live_shop` fixture: a database of its own)."""

import asyncio
from collections import Counter

from helpers import LiveShop
from orders_support import ORDERS_URL, lines

from app.orders.models import Order

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
