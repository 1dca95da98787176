"""The background loops' pause: a cancellation swallowed during a round still ends the loop."""

import asyncio
from contextlib import suppress

from app.core.background import pause


async def test_a_cancellation_swallowed_during_a_round_ends_the_loop_at_its_pause() -> None:
    rounds = 0

    async def loop() -> None:
        nonlocal rounds
        while True:
            rounds += 1
            # What Python 3.11's wait_for does when the awaited reply arrives with the
            # cancellation: the round returns normally.
            with suppress(asyncio.CancelledError):
                await asyncio.sleep(3600)
            await pause(0)

    task = asyncio.create_task(loop())
    await asyncio.sleep(0)
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=10)

    assert task in done
    assert task.cancelled()
    assert rounds == 1
