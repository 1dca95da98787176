"""Database failures the real outage tests meet only by chance, each as the client must see it."""

import asyncpg
import httpx
from fastapi import FastAPI
from helpers import assert_error
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_dbapi

BROKEN_PROTOCOL = "cannot switch to state 13; another operation (2) is in progress"


async def test_a_connection_left_mid_operation_by_a_shutdown_is_a_503_not_a_500(
    app: FastAPI, served: httpx.AsyncClient
) -> None:
    """Seen in tests/resilience/test_database_down.py once in many runs: PostgreSQL's fast
    shutdown under concurrent orders, and the next statement on that connection failing
    inside asyncpg, raised as SQLAlchemy raises it."""

    async def fail() -> None:
        driver = asyncpg.InternalClientError(BROKEN_PROTOCOL)
        try:
            # SQLAlchemy's adapter classes carry no annotations.
            raise AsyncAdapt_asyncpg_dbapi.InternalClientError(  # type: ignore[no-untyped-call]
                BROKEN_PROTOCOL
            ) from driver
        except AsyncAdapt_asyncpg_dbapi.InternalClientError as wrapped:
            raise sa_exc.InternalError("UPDATE products", None, wrapped) from wrapped

    app.add_api_route("/api/test-only/broken-protocol", fail)

    response = await served.get("/api/test-only/broken-protocol")

    assert_error(response, 503, "database_unavailable")
