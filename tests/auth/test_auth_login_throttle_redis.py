"""With REDIS_URL set, the sign-in limits are shared by every replica of the API.

A real `redis-server` (the Debian package that `make system-deps` installs) runs for the session
on a free port, without persistence. Each test uses its own username and client IP, so counts
left in a reused server can't leak into it.
"""

import asyncio
import gc
import secrets
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import redis
from auth_support import assert_throttled_together, fail_logins
from conftest import MakeSettings, Serve, UserFactory
from helpers import (
    DEFAULT_PASSWORD,
    assert_error,
    async_retrying,
    client_for,
    login,
    open_live_shop,
    running_app,
    sign_in,
)
from sqlalchemy.engine import URL

# A bound on waiting for Redis to drop closed clients, not an assertion about speed.
CLOSED_WITHIN_SECONDS = 10

Replicas = tuple[httpx.AsyncClient, httpx.AsyncClient]


@pytest.fixture(autouse=True)
def collect_garbage_after_each_test() -> Iterator[None]:
    """Apps built here are garbage once their test ends: collect them now, so whatever they
    leave open is reported against this test rather than whichever one the GC next runs in."""
    yield
    gc.collect()


def _client_ids(probe: redis.Redis) -> set[int]:
    return {int(client["id"]) for client in probe.client_list()} - {int(probe.client_id())}


def _unique_username() -> str:
    return f"replica_{secrets.token_hex(8)}"


def _unique_ip() -> str:
    # 10.0.0.0/8: private, and never the 127.0.0.1 of the other tests.
    return "10." + ".".join(str(part) for part in secrets.token_bytes(3))


@pytest.fixture
async def username(make_user: UserFactory) -> str:
    """A user of this test's own, whose failures no other test has counted."""
    return (await make_user(username=_unique_username())).username


@pytest.fixture
async def replicas(serve: Serve, redis_url: str) -> AsyncIterator[Replicas]:
    """Clients of two apps sharing the Redis, both calling from one client IP of their own."""
    ip = _unique_ip()
    async with (
        serve.app(REDIS_URL=redis_url) as replica_a,
        serve.app(REDIS_URL=redis_url) as replica_b,
        client_for(replica_a, client_ip=ip) as via_a,
        client_for(replica_b, client_ip=ip) as via_b,
    ):
        yield via_a, via_b


async def test_failures_on_one_replica_throttle_the_username_on_another(
    replicas: Replicas, username: str
) -> None:
    via_a, via_b = replicas
    await fail_logins(via_a, username, 5)

    response = await login(via_b, username, DEFAULT_PASSWORD)

    assert_error(response, 429, "too_many_login_attempts")
    assert 1 <= int(response.headers["Retry-After"]) <= 900


async def test_concurrent_guesses_through_two_replicas_get_five_password_checks(
    migrated_database_url: URL, make_settings: MakeSettings, redis_url: str
) -> None:
    # Apps whose requests each have a connection of their own, as in production.
    settings = make_settings(
        DATABASE_URL=migrated_database_url.render_as_string(hide_password=False),
        DATABASE_POOL_SIZE=20,
        REDIS_URL=redis_url,
    )
    ip = _unique_ip()
    async with (
        open_live_shop(settings) as shop,
        running_app(settings) as replica_b,
        client_for(shop.app, client_ip=ip) as via_a,
        client_for(replica_b, client_ip=ip) as via_b,
    ):
        responses = await asyncio.gather(
            *(login(replica, "live1", "wrong-password") for replica in (via_a, via_b) * 15)
        )

    assert_throttled_together(responses, checked=5)


async def test_a_success_on_one_replica_clears_failures_counted_by_another(
    replicas: Replicas, username: str
) -> None:
    via_a, via_b = replicas
    await fail_logins(via_a, username, 4)
    await sign_in(via_b, username)
    await fail_logins(via_a, username, 4)

    await sign_in(via_b, username)


async def test_app_shutdown_closes_its_redis_connections(serve: Serve, redis_url: str) -> None:
    with redis.Redis.from_url(redis_url) as probe:
        before = _client_ids(probe)
        async with (
            serve.app(REDIS_URL=redis_url) as app,
            client_for(app, client_ip=_unique_ip()) as client,
        ):
            await fail_logins(client, _unique_username(), 1)
            opened = _client_ids(probe) - before
            assert opened, "the failed sign-in should have gone through Redis"

        # Checked while the app is still referenced, so no garbage collection closed them for
        # it. Redis drops a closed client on its next turn, which a busy machine can delay past
        # this probe's first question.
        async for attempt in async_retrying(CLOSED_WITHIN_SECONDS):
            with attempt:
                still_open = _client_ids(probe) & opened
                assert not still_open, f"{len(still_open)} Redis connection(s) left open"
    # Let go, so a failure's traceback doesn't keep the app alive past this test.
    del app, client
