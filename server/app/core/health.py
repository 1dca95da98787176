"""Liveness with a database check, for Docker, nginx, load balancers and operators."""

import asyncio
from typing import Literal

import structlog
from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

HEALTH_CHECK_TIMEOUT_SECONDS = 2.0

logger = structlog.get_logger(__name__)
router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: Literal["healthy", "unhealthy"]
    database: Literal["connected", "disconnected"]


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


@router.get(
    "/api/health",
    responses={503: {"model": Health, "description": "The database does not answer"}},
)
async def health(request: Request, response: Response) -> Health:
    if await _database_answers(request.app.state.engine):
        return Health(status="healthy", database="connected")
    response.status_code = 503
    return Health(status="unhealthy", database="disconnected")


router.add_api_route("/health", health, include_in_schema=False, name="root_health")
