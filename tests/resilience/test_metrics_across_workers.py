"""/metrics with two uvicorn workers, as the image runs them: each worker writes its metrics
to PROMETHEUS_MULTIPROC_DIR, and whichever answers a scrape reports the sum of both."""

import asyncio
import re
from pathlib import Path

from helpers import LOGIN_URL, scrape
from prometheus_client.multiprocess import MultiProcessCollector
from resilience_support import api_process
from sqlalchemy.engine import URL

from app.main import API_VERSION

FAILURES = "order_system_sign_in_failures_total"
THROTTLED = "order_system_throttled_total"
# Bursts of wrong sign-ins until each worker has answered some; the kernel hands connections
# to whichever worker accepts first, so one burst may well reach one worker only.
BURST = 8
MAX_BURSTS = 5


def refusals_by_process(multiproc_dir: Path) -> dict[int, float]:
    """Sign-ins each process refused (401 or 429), from its own file (prometheus_client names
    them `counter_<pid>.db`)."""
    counts = {}
    for path in multiproc_dir.glob("counter_*.db"):
        match = re.fullmatch(r"counter_(\d+)\.db", path.name)
        assert match, path
        samples = [
            sample
            # prometheus_client's multiprocess module has no type annotations.
            for metric in MultiProcessCollector.merge([str(path)])  # type: ignore[no-untyped-call]
            for sample in metric.samples
            if sample.name == FAILURES
            or (sample.name == THROTTLED and sample.labels["limit"] == "sign_in")
        ]
        counts[int(match.group(1))] = sum(sample.value for sample in samples)
    return counts


async def test_counters_and_gauges_add_up_across_two_workers(
    scratch_database_url: URL, tmp_path: Path
) -> None:
    multiproc = tmp_path / "prometheus"
    with api_process(
        scratch_database_url,
        workdir=tmp_path / "api",
        WEB_CONCURRENCY="2",
        PROMETHEUS_MULTIPROC_DIR=str(multiproc),
        DATABASE_POOL_SIZE="3",
        DATABASE_MAX_OVERFLOW="2",
        GIT_COMMIT="0badc0ffee",
    ) as api:
        statuses: list[int] = []
        async with api.client() as client:
            for burst in range(MAX_BURSTS):
                responses = await asyncio.gather(
                    *(
                        client.post(
                            LOGIN_URL,
                            json={"username": f"nobody{burst}x{index}", "password": "wrong"},
                            # A new connection each, so each may reach either worker.
                            headers={"Connection": "close"},
                        )
                        for index in range(BURST)
                    )
                )
                statuses += [response.status_code for response in responses]
                by_process = refusals_by_process(multiproc)
                answering = [pid for pid, count in by_process.items() if count]
                if len(answering) == 2:
                    break
            served = await scrape(client)

    # Only the workers write metrics (prestart, say, writes none).
    assert len(by_process) == 2, by_process
    assert len(answering) == 2, f"one worker answered every sign-in: {by_process}"
    # Each worker counts failures per address on its own: past 20 it throttles instead.
    assert statuses.count(401) + statuses.count(429) == len(statuses)
    assert served[FAILURES, {}] == statuses.count(401)
    assert served[THROTTLED, {"limit": "sign_in"}] == statuses.count(429)
    assert sum(by_process.values()) == len(statuses)
    # Gauges combine by their mode: both pools' ceilings add up, build_info is one series.
    assert served["order_system_db_pool_size", {}] == 2 * (3 + 2)
    build_info = [labels for name, labels in served.samples if name == "order_system_build_info"]
    assert build_info == [frozenset({("version", API_VERSION), ("commit", "0badc0ffee")})]
    assert served["order_system_build_info", {"version": API_VERSION, "commit": "0badc0ffee"}] == 1
