"""The service's own metrics at /metrics, in a single process: business events counted once
committed, refusals counted by the limit that refused, the connection pool as it is, the
sweeper's last sight of overdue orders, and which build runs.

Counters are the process's, shared by every app a test run builds: each test compares a
scrape after its requests with one before.
"""

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from conftest import MakeSettings
from helpers import (
    LiveShop,
    assert_ok,
    async_retrying,
    client_for,
    login,
    open_live_shop,
    running_app,
    scrape,
)
from prometheus_client import Counter
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from tenacity import AsyncRetrying

from app.core import metrics
from app.core.config import SettingsError
from app.main import API_VERSION
from app.orders.models import Order
from app.orders.sweeper import SWEEPER_LOCK

# A sample: a metric's name and its labels.
Sample = tuple[str, dict[str, str]]

ORDERS_URL = "/api/orders"
PLACED: Sample = ("order_system_orders_placed_total", {})
SIGN_IN_FAILURES: Sample = ("order_system_sign_in_failures_total", {})
CHECKED_OUT: Sample = ("order_system_db_pool_checked_out", {})
POOL_SIZE: Sample = ("order_system_db_pool_size", {})
WAITING: Sample = ("order_system_db_pool_waiting", {})
BACKLOG: Sample = ("order_system_sweeper_backlog", {})
LAST_SWEEP: Sample = ("order_system_sweeper_last_run_timestamp_seconds", {})
# Far beyond what any wait here takes; only a broken build makes a test wait this long.
WAIT_SECONDS = 60.0


def counted(counter: Counter) -> float:
    (total,) = (
        sample.value
        for metric in counter.collect()
        for sample in metric.samples
        if sample.name.endswith("_total")
    )
    return total


def status_changes(status: str) -> Sample:
    return "order_system_order_status_changes_total", {"status": status}


def throttled(limit: str) -> Sample:
    return "order_system_throttled_total", {"limit": limit}


def eventually() -> AsyncRetrying:
    """Retries of a block of assertions until they hold, for what a background task does."""
    return async_retrying(WAIT_SECONDS, interval=0.05)


async def order(shop: LiveShop, product_id: int, quantity: int = 1) -> httpx.Response:
    return await shop.client.post(
        ORDERS_URL,
        json={"items": [{"product_id": product_id, "quantity": quantity}]},
        headers=shop.customer_headers[0],
    )


async def test_placed_orders_and_status_changes_are_counted_once_committed(
    live_shop: LiveShop,
) -> None:
    product_id = await live_shop.add_product(stock=5)
    before = await scrape(live_shop.client)

    to_pay = assert_ok(await order(live_shop, product_id), 201)
    to_cancel = assert_ok(await order(live_shop, product_id), 201)
    # Short of stock: refused, nothing placed.
    assert (await order(live_shop, product_id, quantity=99)).status_code == 409
    paid = await live_shop.client.patch(
        f"{ORDERS_URL}/{to_pay['id']}/status",
        json={"status": "paid"},
        headers=live_shop.admin_headers,
    )
    assert paid.status_code == 200, paid.text
    cancelled = await live_shop.client.post(
        f"{ORDERS_URL}/{to_cancel['id']}/cancel", headers=live_shop.customer_headers[0]
    )
    assert cancelled.status_code == 200, cancelled.text

    after = await scrape(live_shop.client)
    assert after[PLACED] - before[PLACED] == 2
    assert after[status_changes("paid")] - before[status_changes("paid")] == 1
    assert after[status_changes("cancelled")] - before[status_changes("cancelled")] == 1
    # Placing an order is no change of status.
    assert after[status_changes("pending")] == before[status_changes("pending")]


async def test_a_count_waits_for_its_transaction_to_commit(session: AsyncSession) -> None:
    counter = Counter("test_events", "Events of this test.", registry=None)

    metrics.count_on_commit(session, counter)
    await session.execute(text("SELECT 1"))
    assert counted(counter) == 0
    await session.rollback()
    await session.commit()
    assert counted(counter) == 0, "a rolled back transaction's count is forgotten"

    metrics.count_on_commit(session, counter)
    metrics.count_on_commit(session, counter)
    await session.commit()
    assert counted(counter) == 2


async def test_concurrent_wrong_sign_ins_are_each_counted(live_shop: LiveShop) -> None:
    usernames = [f"live{index}" for index in range(1, 11)]
    before = await scrape(live_shop.client)

    responses = await asyncio.gather(
        *(login(live_shop.client, username, "wrong-password") for username in usernames)
    )

    assert [response.status_code for response in responses] == [401] * len(usernames)
    after = await scrape(live_shop.client)
    assert after[SIGN_IN_FAILURES] - before[SIGN_IN_FAILURES] == len(usernames)
    assert after[throttled("sign_in")] == before[throttled("sign_in")]


async def test_a_guessing_burst_counts_its_401s_as_failures_and_its_429s_as_throttled(
    live_shop: LiveShop,
) -> None:
    before = await scrape(live_shop.client)

    responses = await asyncio.gather(
        *(login(live_shop.client, "live1", "wrong-password") for _ in range(12))
    )

    statuses = [response.status_code for response in responses]
    # Five guesses per username and address get their password checked, the rest a 429.
    assert sorted(statuses) == [401] * 5 + [429] * 7
    after = await scrape(live_shop.client)
    assert after[SIGN_IN_FAILURES] - before[SIGN_IN_FAILURES] == 5
    assert after[throttled("sign_in")] - before[throttled("sign_in")] == 7
    assert after[throttled("orders")] == before[throttled("orders")]


async def test_refused_orders_are_counted_under_the_orders_limit(
    make_live_settings: MakeSettings,
) -> None:
    async with open_live_shop(make_live_settings(ORDER_RATE_LIMIT="2/minute")) as shop:
        product_id = await shop.add_product(stock=10)
        before = await scrape(shop.client)

        responses = await asyncio.gather(*(order(shop, product_id) for _ in range(5)))

        assert sorted(response.status_code for response in responses) == [201] * 2 + [429] * 3
        after = await scrape(shop.client)
    assert after[throttled("orders")] - before[throttled("orders")] == 3
    assert after[throttled("sign_in")] == before[throttled("sign_in")]
    assert after[PLACED] - before[PLACED] == 2


@asynccontextmanager
async def held_connections(engine: AsyncEngine, count: int) -> AsyncIterator[None]:
    async with AsyncExitStack() as stack:
        for _ in range(count):
            await stack.enter_async_context(engine.connect())
        yield


async def hold_one_until(engine: AsyncEngine, release: asyncio.Event) -> None:
    async with engine.connect():
        await release.wait()


async def test_the_pool_gauges_show_connections_in_use_the_ceiling_and_the_waiting(
    make_live_settings: MakeSettings,
) -> None:
    settings = make_live_settings(
        DATABASE_POOL_SIZE=2,
        DATABASE_MAX_OVERFLOW=1,
        DATABASE_POOL_TIMEOUT=WAIT_SECONDS,
        ORDER_SWEEP_INTERVAL_SECONDS=3600,
    )
    async with running_app(settings) as app, client_for(app) as client:
        engine: AsyncEngine = app.state.engine
        idle = await scrape(client)
        assert idle[POOL_SIZE] == 3
        assert idle[CHECKED_OUT] == 0
        assert idle[WAITING] == 0

        release = asyncio.Event()
        async with held_connections(engine, 3):
            full = await scrape(client)
            assert full[CHECKED_OUT] == 3
            assert full[WAITING] == 0
            # Two more than the pool can open queue up for a connection.
            queued = [asyncio.create_task(hold_one_until(engine, release)) for _ in range(2)]
            async for attempt in eventually():
                with attempt:
                    assert (await scrape(client))[WAITING] == 2
        # The three went back; the two that waited have theirs.
        async for attempt in eventually():
            with attempt:
                served = await scrape(client)
                assert (served[WAITING], served[CHECKED_OUT]) == (0, 2)
        release.set()
        await asyncio.gather(*queued)
        assert (await scrape(client))[CHECKED_OUT] == 0


async def overdue(sessions: async_sessionmaker[AsyncSession], *order_ids: int) -> None:
    """Orders placed two hours before they were, so past a TTL of an hour."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(Order)
            .where(Order.id.in_(order_ids))
            .values(created_at=Order.created_at - timedelta(hours=2))
        )


@asynccontextmanager
async def row_locked(connection: AsyncConnection, order_id: int) -> AsyncIterator[None]:
    """The order locked from outside the app, as a customer's cancel holds it."""
    async with connection.begin():
        await connection.execute(select(Order.id).where(Order.id == order_id).with_for_update())
        yield


async def test_the_sweepers_gauges_show_the_orders_it_left_and_when_it_ran(
    make_live_settings: MakeSettings,
) -> None:
    settings = make_live_settings(PENDING_ORDER_TTL_SECONDS=3600, ORDER_SWEEP_INTERVAL_SECONDS=0.05)
    async with open_live_shop(settings) as shop:
        product_id = await shop.add_product(stock=10)
        locked, free = [assert_ok(await order(shop, product_id), 201)["id"] for _ in range(2)]
        before = await scrape(shop.client)
        shop_engine: AsyncEngine = shop.app.state.engine
        async with shop_engine.connect() as sweeper_lock, shop_engine.connect() as lock_holder:
            # No sweep runs while the orders are made overdue and one of them locked.
            await sweeper_lock.execute(select(func.pg_advisory_lock(SWEEPER_LOCK, 0)))
            await overdue(shop.sessions, locked, free)
            async with row_locked(lock_holder, locked):
                last_sweep = (await scrape(shop.client))[LAST_SWEEP]
                await sweeper_lock.execute(select(func.pg_advisory_unlock(SWEEPER_LOCK, 0)))
                await sweeper_lock.commit()
                async for attempt in eventually():
                    with attempt:
                        seen = await scrape(shop.client)
                        assert seen[LAST_SWEEP] > last_sweep
                        assert seen[BACKLOG] == 1, "the locked order is left overdue"
            async for attempt in eventually():
                with attempt:
                    seen = await scrape(shop.client)
                    assert seen[BACKLOG] == 0
        expired = seen[status_changes("cancelled")] - before[status_changes("cancelled")]
        assert expired == 2


@pytest.mark.parametrize("commit", ["3f2c9e1", "unknown"])
async def test_build_info_names_the_version_and_the_commit_setting(
    make_settings: MakeSettings, commit: str
) -> None:
    async with running_app(make_settings(GIT_COMMIT=commit)) as app, client_for(app) as client:
        served = await scrape(client)
    assert served["order_system_build_info", {"version": API_VERSION, "commit": commit}] == 1


def test_a_commit_that_is_no_plain_name_is_refused(make_settings: MakeSettings) -> None:
    with pytest.raises(SettingsError, match="GIT_COMMIT"):
        make_settings(GIT_COMMIT='abc"} 1\nfake_metric 2')


async def test_the_api_dashboard_shows_every_metric_of_the_service(
    client: httpx.AsyncClient, repo_root: Path
) -> None:
    served = await scrape(client)
    dashboard = json.loads(
        (repo_root / "monitoring" / "grafana" / "dashboards" / "order_system_api.json").read_text()
    )
    queries = " ".join(
        target["expr"] for panel in dashboard["panels"] for target in panel["targets"]
    )
    shown = set(re.findall(r"\b(order_system_[a-z_]+)\{", queries))
    own = {
        name
        for name, _ in served.samples
        if name.startswith("order_system_") and not name.endswith("_created")
    }
    assert len(own) == len(metrics.APPLICATION_METRICS)
    assert own <= shown, own - shown
