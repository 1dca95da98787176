"""What the app's background loops (the order sweeper, the mail sender) share."""

import asyncio


async def pause(seconds: float) -> None:
    """Wait between two rounds of a loop that runs until cancelled, first raising any
    cancellation the round swallowed. Python 3.11's `asyncio.wait_for` (aiosmtplib waits for
    each reply with it) returns a result that arrives together with a cancellation and drops
    the cancellation (CPython gh-86296, fixed in 3.12): the loop would carry on until a second
    one, and the worker's shutdown would wait for its timeout."""
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError
    await asyncio.sleep(seconds)
