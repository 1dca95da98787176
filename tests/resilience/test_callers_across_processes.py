"""The cache of who is calling, across the processes of a deployment: two uvicorn workers of
one API process, as the image runs them, and a second API process, as a replica. Each keeps
its own cache; a change made through any of them reaches the others by PostgreSQL's
notification, well before their cache time (an hour here) is up."""

import asyncio
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from helpers import DEFAULT_PASSWORD, assert_ok, async_retrying, bearer, new_account, sign_in
from prometheus_client.multiprocess import MultiProcessCollector
from resilience_support import ApiProcess, api_process, database_engine
from sqlalchemy import text
from sqlalchemy.engine import URL

# Only a notification can end what is cached within the test.
CACHE_SECONDS = "3600"
ORDERS_URL = "/api/orders"
# Fresh connections per round, so the kernel hands them to either worker.
ROUND = 8
MAX_ROUNDS = 6
# A bound on waiting for a notification, not an assertion about speed.
WAIT_SECONDS = 10


def answers_by_worker(multiproc_dir: Path, status: int) -> dict[int, float]:
    """`GET /api/orders` answers with `status` per worker process, from each worker's own
    metrics file (prometheus_client names them `counter_<pid>.db`)."""
    counts: dict[int, float] = {}
    for path in multiproc_dir.glob("counter_*.db"):
        match = re.fullmatch(r"counter_(\d+)\.db", path.name)
        assert match, path
        counts[int(match.group(1))] = sum(
            sample.value
            # prometheus_client's multiprocess module has no type annotations.
            for metric in MultiProcessCollector.merge([str(path)])  # type: ignore[no-untyped-call]
            for sample in metric.samples
            if sample.name == "http_requests_total"
            and sample.labels.get("handler") == ORDERS_URL
            and sample.labels.get("status") == str(status)
        )
    return counts


async def statuses(api: ApiProcess, headers: dict[str, str]) -> list[int]:
    """A round of `GET /api/orders`, each on a connection of its own."""
    async with api.client() as client:
        responses = await asyncio.gather(
            *(
                client.get(ORDERS_URL, headers={**headers, "Connection": "close"})
                for _ in range(ROUND)
            )
        )
    return [response.status_code for response in responses]


async def until_both_workers_answered(
    workers: ApiProcess, headers: dict[str, str], multiproc: Path, status: int
) -> None:
    """Rounds until each worker has answered `status`; every answer must be `status`."""
    for _ in range(MAX_ROUNDS):
        assert set(await statuses(workers, headers)) == {status}
        answered = answers_by_worker(multiproc, status)
        if len([pid for pid, count in answered.items() if count]) == 2:
            return
    raise AssertionError(f"one worker answered every request: {answered}")


async def set_active_silently(url: URL, user_id: int, active: bool) -> None:
    """The account changed without its notification (session_replication_role skips the
    trigger), as a lost notification would leave it."""
    engine = database_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("SET LOCAL session_replication_role = replica"))
            await connection.execute(
                text("UPDATE users SET is_active = :active WHERE id = :id"),
                {"active": active, "id": user_id},
            )
    finally:
        await engine.dispose()


@contextmanager
def deployment(url: URL, tmp_path: Path) -> Iterator[tuple[ApiProcess, ApiProcess, Path]]:
    """Two workers of one API process, a replica beside it, and the workers' metrics
    directory; each process caches callers for CACHE_SECONDS."""
    multiproc = tmp_path / "prometheus"
    with (
        api_process(
            url,
            workdir=tmp_path / "workers",
            WEB_CONCURRENCY="2",
            PROMETHEUS_MULTIPROC_DIR=str(multiproc),
            CURRENT_USER_CACHE_SECONDS=CACHE_SECONDS,
        ) as workers,
        api_process(
            url,
            workdir=tmp_path / "replica",
            WEB_CONCURRENCY="1",
            CURRENT_USER_CACHE_SECONDS=CACHE_SECONDS,
        ) as replica,
    ):
        yield workers, replica, multiproc


async def registered_customer(api: ApiProcess) -> tuple[dict[str, Any], dict[str, str]]:
    """A new account, registered and signed in through `api`, and its bearer header."""
    async with api.client() as client:
        account = assert_ok(await client.post("/api/auth/register", json=new_account()), 201)
        tokens = await sign_in(client, account["username"])
    return account, bearer(tokens["access_token"])


async def test_a_deactivation_through_one_worker_is_refused_by_the_other_and_by_a_replica(
    scratch_database_url: URL, tmp_path: Path
) -> None:
    with deployment(scratch_database_url, tmp_path) as (workers, replica, multiproc):
        account, customer = await registered_customer(workers)
        await until_both_workers_answered(workers, customer, multiproc, 200)
        assert set(await statuses(replica, customer)) == {200}

        # Every process serves the customer from its cache: a change nobody announced is
        # not seen...
        await set_active_silently(scratch_database_url, account["id"], False)
        assert set(await statuses(workers, customer)) == {200}
        assert set(await statuses(replica, customer)) == {200}
        await set_active_silently(scratch_database_url, account["id"], True)

        # ...while a deactivation through one of them reaches them all.
        async with workers.client() as client:
            assert_ok(
                await client.patch(
                    f"/api/users/{account['id']}",
                    json={"is_active": False},
                    headers=await workers.superuser_headers(),
                )
            )
        async for attempt in async_retrying(WAIT_SECONDS):
            with attempt:
                assert set(await statuses(replica, customer)) == {401}
                assert set(await statuses(workers, customer)) == {401}
        await until_both_workers_answered(workers, customer, multiproc, 401)


async def test_a_password_changed_on_a_replica_ends_the_old_token_on_every_worker(
    scratch_database_url: URL, tmp_path: Path
) -> None:
    with deployment(scratch_database_url, tmp_path) as (workers, replica, multiproc):
        account, old = await registered_customer(workers)
        await until_both_workers_answered(workers, old, multiproc, 200)

        async with replica.client() as client:
            changed = await client.post(
                "/api/users/me/password",
                json={"current_password": DEFAULT_PASSWORD, "new_password": "a-new-password-1"},
                headers=old,
            )
            assert changed.status_code == 204, changed.text
            new = bearer(
                (await sign_in(client, account["username"], "a-new-password-1"))["access_token"]
            )

        async for attempt in async_retrying(WAIT_SECONDS):
            with attempt:
                assert set(await statuses(workers, old)) == {401}
        await until_both_workers_answered(workers, old, multiproc, 401)
        assert set(await statuses(workers, new)) == {200}
