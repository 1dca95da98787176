"""bcrypt runs in threads of its own, only PASSWORD_HASHING_CONCURRENCY at a time per process
and at a lower priority, so a storm of sign-ins queues for the hashing instead of taking every
core from the event loops."""

import asyncio
import os
import threading
from pathlib import Path

import anyio.to_thread
import bcrypt
import pytest

from app.core import security
from app.core.security import (
    LOWEST_PRIORITY,
    PASSWORD_HASHING_CONCURRENCY,
    PASSWORD_HASHING_NICENESS,
    available_cpus,
    hash_password,
    password_hashing_concurrency,
    password_hashing_limiter,
    verify_password,
)

PASSWORD = "a-storm-of-sign-ins"


async def test_concurrent_checks_queue_for_the_hashing_limit_and_all_answer_right() -> None:
    # Cost 10 (the tests otherwise hash at 4): each check takes long enough to overlap.
    stored = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=10)).decode()
    checks = [PASSWORD, "wrong-password"] * (PASSWORD_HASHING_CONCURRENCY + 1)
    limiter = password_hashing_limiter()
    most_hashing, most_waiting = 0, 0

    tasks = [asyncio.create_task(verify_password(attempt, stored)) for attempt in checks]
    while not all(task.done() for task in tasks):
        statistics = limiter.statistics()
        most_hashing = max(most_hashing, statistics.borrowed_tokens)
        most_waiting = max(most_waiting, statistics.tasks_waiting)
        await asyncio.sleep(0.002)

    assert [task.result() for task in tasks] == [attempt == PASSWORD for attempt in checks]
    assert most_hashing == PASSWORD_HASHING_CONCURRENCY
    assert most_waiting >= len(checks) - PASSWORD_HASHING_CONCURRENCY - 1
    assert limiter.statistics().borrowed_tokens == 0


def nice_value(thread_id: int) -> int:
    """The thread's nice value as the kernel reports it (field 19 of its stat line)."""
    stat = Path(f"/proc/self/task/{thread_id}/stat").read_text()
    # The command name (field 2) is in parentheses and may hold spaces: count after it.
    return int(stat.rpartition(")")[2].split()[16])


async def test_passwords_are_hashed_at_a_lower_priority_than_requests_are_served(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hashed_on: list[int] = []
    real_hash = security.password_context.hash

    def hash_recording_thread(secret: str) -> str:
        hashed_on.append(threading.get_native_id())
        return real_hash(secret)

    monkeypatch.setattr(security.password_context, "hash", hash_recording_thread)
    serving = nice_value(threading.get_native_id())

    stored = await hash_password(PASSWORD)

    assert await verify_password(PASSWORD, stored)
    [hashing_thread] = hashed_on
    assert nice_value(hashing_thread) == min(serving + PASSWORD_HASHING_NICENESS, LOWEST_PRIORITY)
    # The loop, and the shared threads everything else runs off the loop in, keep theirs.
    assert nice_value(threading.get_native_id()) == serving
    shared_thread = await anyio.to_thread.run_sync(threading.get_native_id)
    assert nice_value(shared_thread) == serving


# --- Sized from the container's CPU quota --------------------------------------------------


def _cgroup(root: Path, files: dict[str, str]) -> Path:
    """A stand-in for /sys/fs/cgroup holding these files."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


@pytest.mark.parametrize(
    ("files", "cpus"),
    [
        pytest.param({"cpu.max": "100000 100000\n"}, 1.0, id="v2-one-cpu"),
        pytest.param({"cpu.max": "250000 100000\n"}, 2.5, id="v2-two-and-a-half"),
        pytest.param(
            {"cpu/cpu.cfs_quota_us": "50000\n", "cpu/cpu.cfs_period_us": "100000\n"},
            0.5,
            id="v1-half-a-cpu",
        ),
    ],
)
def test_a_cpu_quota_sizes_the_hashing_limit(
    tmp_path: Path, files: dict[str, str], cpus: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A host with many more cores than the container may use.
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    root = _cgroup(tmp_path, files)

    assert available_cpus(root) == cpus
    assert password_hashing_concurrency(root) == max(1, int(cpus // 2))


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({}, id="no-cgroup"),
        pytest.param({"cpu.max": "max 100000\n"}, id="v2-unlimited"),
        pytest.param(
            {"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"},
            id="v1-unlimited",
        ),
        pytest.param({"cpu.max": "garbage\n"}, id="unreadable"),
    ],
)
def test_without_a_quota_the_cores_size_the_hashing_limit(
    tmp_path: Path, files: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    root = _cgroup(tmp_path, files)

    assert available_cpus(root) == 8
    assert password_hashing_concurrency(root) == 4


def test_a_quota_above_the_cores_counts_the_cores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    root = _cgroup(tmp_path, {"cpu.max": "800000 100000\n"})

    assert available_cpus(root) == 2
