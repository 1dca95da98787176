"""What one account may take: at most MAX_PENDING_ORDERS_PER_USER pending orders, and
ORDER_RATE_LIMIT orders placed, however many requests it fires at once; in process, and
through Redis across replicas."""

import asyncio
import json
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import redis
from conftest import MakeSettings
from helpers import (
    LiveShop,
    RedisServer,
    assert_error,
    assert_ok,
    client_for,
    open_live_shop,
    running_app,
)
from orders_support import ORDERS_URL, lines

from app.core import throttle
from app.orders.models import Order

BURST = 20


@pytest.fixture
async def capped_shop(make_live_settings: MakeSettings) -> AsyncIterator[LiveShop]:
    """A shop with the default cap of five pending orders."""
    async with open_live_shop(make_live_settings(MAX_PENDING_ORDERS_PER_USER=5)) as shop:
        yield shop


def order_burst(
    client: httpx.AsyncClient, headers: dict[str, str], product_id: int, count: int = BURST
) -> list[asyncio.Future[httpx.Response]]:
    return [
        asyncio.ensure_future(
            client.post(ORDERS_URL, json={"items": lines((product_id, 1))}, headers=headers)
        )
        for _ in range(count)
    ]


async def test_a_customer_firing_orders_together_holds_at_most_the_cap(
    capped_shop: LiveShop,
) -> None:
    product_id = await capped_shop.add_product(stock=1000)
    customer = capped_shop.customer_headers[0]

    responses = await asyncio.gather(*order_burst(capped_shop.client, customer, product_id))

    assert Counter(response.status_code for response in responses) == {201: 5, 409: BURST - 5}
    refused = [response for response in responses if response.status_code == 409]
    body = assert_error(refused[0], 409, "too_many_pending_orders")
    assert body["limit"] == 5
    assert await capped_shop.stock(product_id) == 1000 - 5
    assert await capped_shop.count(Order) == 5


async def test_paying_or_cancelling_frees_a_place_and_others_are_not_capped(
    capped_shop: LiveShop,
) -> None:
    product_id = await capped_shop.add_product(stock=1000)
    customer, other = capped_shop.customer_headers[:2]
    placed = await asyncio.gather(*order_burst(capped_shop.client, customer, product_id, 5))
    full = await capped_shop.client.post(
        ORDERS_URL, json={"items": lines((product_id, 1))}, headers=customer
    )
    assert_error(full, 409, "too_many_pending_orders")

    # Another customer has a cap of their own; admins have none.
    for headers, count in [(other, 5), (capped_shop.admin_headers, 8)]:
        burst = await asyncio.gather(*order_burst(capped_shop.client, headers, product_id, count))
        assert {response.status_code for response in burst} == {201}

    cancelled = placed[0].json()["id"]
    assert_ok(await capped_shop.client.post(f"{ORDERS_URL}/{cancelled}/cancel", headers=customer))
    again = await capped_shop.client.post(
        ORDERS_URL, json={"items": lines((product_id, 1))}, headers=customer
    )
    assert_ok(again, 201)


async def test_a_repeat_of_a_placed_order_at_the_cap_still_finds_it(
    capped_shop: LiveShop,
) -> None:
    product_id = await capped_shop.add_product(stock=1000)
    customer = capped_shop.customer_headers[0]
    keyed = {**customer, "Idempotency-Key": "fifth"}
    await asyncio.gather(*order_burst(capped_shop.client, customer, product_id, 4))
    body = {"items": lines((product_id, 1))}
    first = assert_ok(await capped_shop.client.post(ORDERS_URL, json=body, headers=keyed), 201)

    repeat = await capped_shop.client.post(ORDERS_URL, json=body, headers=keyed)

    assert assert_ok(repeat, 200)["id"] == first["id"]


async def test_orders_fired_together_beyond_the_rate_limit_are_429(
    make_live_settings: MakeSettings,
) -> None:
    settings = make_live_settings(ORDER_RATE_LIMIT="10/minute", MAX_PENDING_ORDERS_PER_USER=100)
    async with open_live_shop(settings) as shop:
        product_id = await shop.add_product(stock=1000)
        customer, other = shop.customer_headers[:2]

        responses = await asyncio.gather(*order_burst(shop.client, customer, product_id, 25))

        assert Counter(response.status_code for response in responses) == {201: 10, 429: 15}
        refused = next(response for response in responses if response.status_code == 429)
        assert_error(refused, 429, "too_many_orders")
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        assert await shop.stock(product_id) == 1000 - 10
        # The budget is the account's own.
        assert_ok(
            await shop.client.post(
                ORDERS_URL, json={"items": lines((product_id, 1))}, headers=other
            ),
            201,
        )


async def test_replicas_sharing_redis_share_one_order_budget(
    make_live_settings: MakeSettings, redis_url: str
) -> None:
    # A database of Redis's own: the shop's user ids start at 1 again in every test.
    own_database = redis_url.rsplit("/", 1)[0] + "/1"
    with redis.Redis.from_url(own_database) as probe:
        probe.flushdb()
    settings = make_live_settings(
        ORDER_RATE_LIMIT="10/minute", MAX_PENDING_ORDERS_PER_USER=100, REDIS_URL=own_database
    )
    async with open_live_shop(settings) as shop, running_app(settings) as replica:
        product_id = await shop.add_product(stock=1000)
        customer = shop.customer_headers[0]
        async with client_for(replica) as via_replica:
            responses = await asyncio.gather(
                *order_burst(shop.client, customer, product_id, 12),
                *order_burst(via_replica, customer, product_id, 12),
            )

        assert Counter(response.status_code for response in responses) == {201: 10, 429: 14}
        assert await shop.stock(product_id) == 1000 - 10


async def test_with_redis_down_orders_are_counted_in_process_until_it_is_back(
    make_live_settings: MakeSettings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Try Redis again at every order instead of after a pause, so recovery shows at once.
    monkeypatch.setattr(throttle, "SHARED_RETRY_SECONDS", 0.0)
    server = RedisServer(tmp_path)
    server.start()
    try:
        settings = make_live_settings(
            ORDER_RATE_LIMIT="3/minute",
            MAX_PENDING_ORDERS_PER_USER=100,
            REDIS_URL=server.url,
            LOG_FORMAT="json",
        )
        async with open_live_shop(settings) as shop:
            product_id = await shop.add_product(stock=1000)
            customer, other = shop.customer_headers[:2]
            assert_ok(await order_burst(shop.client, customer, product_id, 1)[0], 201)
            with redis.Redis.from_url(server.url) as probe:
                assert list(probe.scan_iter("*")), "the first order was counted in Redis"

            server.stop()
            # Orders still answer, and the limit still holds, counted afresh in process.
            responses = await asyncio.gather(*order_burst(shop.client, customer, product_id, 5))
            assert Counter(response.status_code for response in responses) == {201: 3, 429: 2}
            warnings = [
                json.loads(line)
                for line in capsys.readouterr().err.splitlines()
                if "throttle_shared_storage_down" in line
            ]
            assert [warning["level"] for warning in warnings] == ["warning"]

            server.start()
            assert_ok(await order_burst(shop.client, other, product_id, 1)[0], 201)
            assert "throttle_shared_storage_back" in capsys.readouterr().err
    finally:
        server.stop()
