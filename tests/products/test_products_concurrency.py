"""Concurrent admins and customers over real connections and real commits (the
`live_shop` fixture: a database of its own)."""

import asyncio
from collections import Counter

from helpers import LiveShop
from products_support import PRODUCTS_URL, new_product, product_url

from app.orders.models import OrderItem
from app.products.models import Product

RUSH = 20


async def test_twenty_racing_decrements_of_ten_units_succeed_exactly_ten_times(
    live_shop: LiveShop,
) -> None:
    product_id = await live_shop.add_product(stock=10)
    url = product_url(product_id, "/stock")

    responses = await asyncio.gather(
        *(
            live_shop.client.post(url, json={"delta": -1}, headers=live_shop.admin_headers)
            for _ in range(RUSH)
        )
    )

    assert Counter(response.status_code for response in responses) == {200: 10, 409: 10}
    succeeded = [response.json() for response in responses if response.status_code == 200]
    # Each success saw the stock its own decrement left: every value from 9 down to 0, once.
    assert sorted(body["stock_quantity"] for body in succeeded) == list(range(10))
    refused = [response.json() for response in responses if response.status_code == 409]
    assert {(body["code"], body["items"][0]["available"]) for body in refused} == {
        ("insufficient_stock", 0)
    }
    product = await live_shop.product(product_id)
    assert product is not None
    assert product.stock_quantity == 0


async def test_decrements_racing_orders_never_oversell(live_shop: LiveShop) -> None:
    product_id = await live_shop.add_product(stock=10)
    adjustments = [
        live_shop.client.post(
            product_url(product_id, "/stock"), json={"delta": -1}, headers=live_shop.admin_headers
        )
        for _ in range(RUSH // 2)
    ]
    orders = [
        live_shop.client.post(
            "/api/orders",
            json={"items": [{"product_id": product_id, "quantity": 1}]},
            headers=live_shop.customer_headers[0],
        )
        for _ in range(RUSH // 2)
    ]

    responses = await asyncio.gather(*adjustments, *orders)

    successes = sum(response.status_code in {200, 201} for response in responses)
    assert successes == 10
    assert {response.status_code for response in responses} <= {200, 201, 409}
    product = await live_shop.product(product_id)
    assert product is not None
    assert product.stock_quantity == 0
    ordered = sum(response.status_code == 201 for response in responses[RUSH // 2 :])
    assert await live_shop.count(OrderItem) == ordered


async def test_a_delete_racing_orders_either_deletes_or_archives_consistently(
    live_shop: LiveShop,
) -> None:
    product_id = await live_shop.add_product(stock=100)
    orders = [
        live_shop.client.post(
            "/api/orders",
            json={"items": [{"product_id": product_id, "quantity": 1}]},
            headers=live_shop.customer_headers[0],
        )
        for _ in range(RUSH)
    ]
    deletion = live_shop.client.delete(product_url(product_id), headers=live_shop.admin_headers)

    *placed, deleted = await asyncio.gather(*orders, deletion)

    assert deleted.status_code == 204, deleted.text
    accepted = sum(response.status_code == 201 for response in placed)
    assert {response.status_code for response in placed} <= {201, 422}
    product = await live_shop.product(product_id)
    if accepted:
        # Orders went through first: the product stays, archived, for their history.
        assert product is not None
        assert (product.status, product.stock_quantity) == ("archived", 100 - accepted)
    else:
        assert product is None
    assert await live_shop.count(OrderItem) == accepted


async def test_racing_creates_of_one_sku_in_different_cases_create_one_product(
    live_shop: LiveShop,
) -> None:
    spellings = ["race-sku", "RACE-SKU", "Race-Sku", "rAcE-sKu"] * (RUSH // 4)

    responses = await asyncio.gather(
        *(
            live_shop.client.post(
                PRODUCTS_URL, json=new_product(spelling), headers=live_shop.admin_headers
            )
            for spelling in spellings
        )
    )

    assert Counter(response.status_code for response in responses) == {201: 1, 409: RUSH - 1}
    refused = {response.json()["code"] for response in responses if response.status_code == 409}
    assert refused == {"sku_taken"}
    assert await live_shop.count(Product) == 1
