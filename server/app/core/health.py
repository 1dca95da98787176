"""Probes: liveness (the process answers; never the database), and readiness with a database
check, for Docker, Kubernetes, load balancers and operators."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Literal

import structlog
from async_lru import alru_cache
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

HEALTH_CHECK_TIMEOUT_SECONDS = 2.0
# How long one answer of the database stands for every health check of this process: probes
# come every few seconds, while a flood of checks (the path is public) must not become a
# flood of queries.
DATABASE_VERDICT_SECONDS = 1.0

DatabaseProbe = Callable[[], Awaitable[bool]]

logger = structlog.get_logger(__name__)
router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["healthy", "unhealthy"]
    database: Literal["connected", "disconnected"]


class Liveness(BaseModel):
    status: Literal["alive"]


async def _database_answers(engine: AsyncEngine) -> bool:
    try:
        async with asyncio.timeout(HEALTH_CHECK_TIMEOUT_SECONDS), engine.connect() as connection:
            # Autocommit: one round trip for the query, without a BEGIN and a ROLLBACK around it.
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("SELECT 1"))
    except Exception as error:
        logger.warning("health_check_failed", error=type(error).__name__)
        return False
    return True


def database_probe(engine: AsyncEngine) -> DatabaseProbe:
    """Whether the database answers, asked at most once per DATABASE_VERDICT_SECONDS:
    concurrent checks share the query in flight, and the next ones its answer until then."""

    @alru_cache(maxsize=1, ttl=DATABASE_VERDICT_SECONDS)
    async def database_answers() -> bool:
        return await _database_answers(engine)

    return database_answers


@router.get(
    "/api/health",
    responses={503: {"model": Health, "description": "The database does not answer"}},
)
async def health(request: Request, response: Response) -> Health:
    """Whether the API and its database answer: 200, or 503 while the database does not.
    Public, and cheap to poll: one database check per second serves every caller."""
    if await request.app.state.database_probe():
        return Health(status="healthy", database="connected")
    response.status_code = 503
    return Health(status="unhealthy", database="disconnected")


router.add_api_route("/health", health, include_in_schema=False, name="root_health")
# Readiness: whether this replica should get traffic (the database answers). Like /metrics,
# the probes are not under /api and nginx doesn't route them: orchestrators ask the container.
router.add_api_route("/readyz", health, include_in_schema=False, name="readiness")


@router.get("/livez", include_in_schema=False)
async def liveness() -> Liveness:
    """The process and its event loop answer. Never the database: an outage of it must not
    get healthy replicas restarted."""
    return Liveness(status="alive")
