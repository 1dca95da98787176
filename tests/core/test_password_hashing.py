"""bcrypt runs in threads, but only PASSWORD_HASHING_CONCURRENCY at a time per process, so a
storm of sign-ins queues for the hashing instead of taking every core from the event loop."""

import asyncio

import bcrypt

from app.core.security import (
    PASSWORD_HASHING_CONCURRENCY,
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
