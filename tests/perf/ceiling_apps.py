"""The ceilings' servers, run by uvicorn exactly like the API.

`static_json`: the bytes of workload 2's answer, returned for any request: what a Python
ASGI server on this machine can do at all. `raw_asyncpg`: workload 2's SQL through a bare
asyncpg pool, its rows turned into the same JSON by hand: what is left once the framework,
the ORM and validation are gone.

Configured by environment variables, as uvicorn imports them in each worker:
CEILING_BODY_FILE (static_json) and CEILING_DSN (raw_asyncpg).
"""

import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

JSON_HEADERS = [(b"content-type", b"application/json")]
# What workload 2 asks the database for a customer's first page: the total from the kept
# counts, and the page with one row more to know whether another follows.
PAGE_SQL = """
SELECT id, name, sku, description, price, stock_quantity, status, created_at, updated_at
FROM products WHERE status IN ('active') ORDER BY name, id LIMIT 21 OFFSET 0
"""
COUNT_SQL = (
    "SELECT coalesce(sum(products), 0) FROM product_status_counts WHERE status IN ('active')"
)


async def _lifespan(receive: Receive, send: Send, on_start: Callable[[], Awaitable[None]]) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await on_start()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _respond(send: Send, body: bytes) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": JSON_HEADERS})
    await send({"type": "http.response.body", "body": body})


async def _nothing() -> None:
    return None


# Read at import, in each worker, before any request.
_STATIC_BODY = (
    Path(os.environ["CEILING_BODY_FILE"]).read_bytes() if "CEILING_BODY_FILE" in os.environ else b""
)


async def static_json(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await _lifespan(receive, send, _nothing)
        return
    await _respond(send, _STATIC_BODY)


_pools: list[asyncpg.Pool] = []


def _encode(value: object) -> object:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


async def raw_asyncpg(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":

        async def connect() -> None:
            _pools.append(
                await asyncpg.create_pool(os.environ["CEILING_DSN"], min_size=10, max_size=10)
            )

        await _lifespan(receive, send, connect)
        return
    async with _pools[0].acquire() as connection:
        total = await connection.fetchval(COUNT_SQL)
        rows = await connection.fetch(PAGE_SQL)
    page = {
        "items": [dict(row) for row in rows[:20]],
        "total": total,
        "limit": 20,
        "offset": 0,
        "next_cursor": None,
    }
    await _respond(send, json.dumps(page, default=_encode, separators=(",", ":")).encode())
