import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from conftest import AuthHeaders, MakeSettings
from helpers import ME_URL, client_for, count_statements, running_app

from app.core import health
from app.core.config import Settings
from app.users.models import User

HEALTHY = {"status": "healthy", "database": "connected"}
UNHEALTHY = {"status": "unhealthy", "database": "disconnected"}


@asynccontextmanager
async def _serving(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A client for an app of its own, with its own engine (no test transaction)."""
    async with running_app(settings) as app, client_for(app) as client:
        yield client


@pytest.mark.parametrize("path", ["/health", "/api/health"])
async def test_health_is_healthy_when_the_database_answers(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)
    assert response.status_code == 200
    assert response.json() == HEALTHY


@pytest.fixture
async def unreachable_client(
    make_settings: MakeSettings,
) -> AsyncIterator[httpx.AsyncClient]:
    # Port 1 on loopback: nothing listens there, so every connection is refused.
    settings = make_settings(DATABASE_URL="postgresql://nobody:secret-pw@127.0.0.1:1/nowhere")
    async with _serving(settings) as client:
        yield client


@pytest.mark.parametrize("path", ["/health", "/api/health"])
async def test_health_is_503_without_leaking_details_when_the_database_is_unreachable(
    unreachable_client: httpx.AsyncClient, path: str
) -> None:
    response = await unreachable_client.get(path)
    assert response.status_code == 503
    assert response.json() == UNHEALTHY
    assert "secret-pw" not in response.text


async def test_a_database_route_answers_503_when_the_database_is_unreachable(
    unreachable_client: httpx.AsyncClient,
    auth_headers: AuthHeaders,
    user: User,
) -> None:
    response = await unreachable_client.get(ME_URL, headers=auth_headers(user))
    assert response.status_code == 503
    assert response.json() == {
        "detail": "The database is unavailable, try again shortly",
        "code": "database_unavailable",
    }


@pytest.fixture
async def counted_probes(
    make_settings: MakeSettings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[httpx.AsyncClient, list[str]]]:
    """A client of an app of its own, and every statement its engine runs."""
    monkeypatch.setattr(health, "DATABASE_VERDICT_SECONDS", 0.2)
    async with running_app(make_settings()) as app, client_for(app) as client:
        with count_statements(app.state.engine) as statements:
            yield client, statements


async def test_concurrent_health_checks_share_one_database_query(
    counted_probes: tuple[httpx.AsyncClient, list[str]],
) -> None:
    client, statements = counted_probes
    responses = await asyncio.gather(*(client.get("/api/health") for _ in range(50)))
    assert {response.status_code for response in responses} == {200}
    assert statements == ["SELECT 1"]


async def test_the_database_is_asked_again_once_the_verdict_is_older_than_its_limit(
    counted_probes: tuple[httpx.AsyncClient, list[str]],
) -> None:
    client, statements = counted_probes
    assert (await client.get("/api/health")).status_code == 200
    await asyncio.sleep(health.DATABASE_VERDICT_SECONDS * 2)
    assert (await client.get("/api/health")).status_code == 200
    assert statements == ["SELECT 1", "SELECT 1"]
