"""Request-scoped dependencies shared by every domain."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.throttle import Throttle


# `async def` even where nothing is awaited: FastAPI runs plain functions in the threadpool,
# a thread hop per dependency per request.
async def get_settings_from_app(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.sessionmaker
    return sessionmaker


async def get_read_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.read_sessionmaker
    return sessionmaker


async def get_snapshot_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    sessionmaker: async_sessionmaker[AsyncSession] = request.app.state.snapshot_sessionmaker
    return sessionmaker


SessionmakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)]
ReadSessionmakerDep = Annotated[async_sessionmaker[AsyncSession], Depends(get_read_sessionmaker)]
SnapshotSessionmakerDep = Annotated[
    async_sessionmaker[AsyncSession], Depends(get_snapshot_sessionmaker)
]


@asynccontextmanager
async def _request_session(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    async with sessionmaker() as session:
        try:
            yield session
        except Exception:
            await session.rollback()
            raise
        await session.commit()


async def get_session(sessionmaker: SessionmakerDep) -> AsyncIterator[AsyncSession]:
    """One transaction per request: committed when the endpoint returns, rolled back on
    error."""
    async with _request_session(sessionmaker) as session:
        yield session


async def get_read_session(sessionmaker: ReadSessionmakerDep) -> AsyncIterator[AsyncSession]:
    """A session for a route that only reads: in autocommit, no transaction to begin or end,
    and refusing any write (`ReadOnlySession`); the commit at the end flushes, so a change
    left pending fails the request too instead of vanishing."""
    async with _request_session(sessionmaker) as session:
        yield session


async def get_streaming_session(
    sessionmaker: SnapshotSessionmakerDep,
) -> AsyncIterator[AsyncSession]:
    """A read-only session on one snapshot (`create_snapshot_sessionmaker`) for a response
    streamed from the database; closed, which ends its transaction, once the body is sent."""
    async with sessionmaker() as session:
        yield session


async def get_throttle(request: Request) -> Throttle:
    throttle: Throttle = request.app.state.throttle
    return throttle


async def get_client_address(request: Request) -> str:
    """The client's address. Behind a proxy, uvicorn's --proxy-headers has put the one it
    forwarded here, provided the proxy is among FORWARDED_ALLOW_IPS; from anyone else an
    X-Forwarded-For is ignored, so no client picks the address its limits count under."""
    return request.client.host if request.client else "unknown"


SettingsDep = Annotated[Settings, Depends(get_settings_from_app)]
ThrottleDep = Annotated[Throttle, Depends(get_throttle)]
ClientAddressDep = Annotated[str, Depends(get_client_address)]
# Each route declares which session it takes: SessionDep for one that writes, ReadSessionDep
# for one that only reads. scope="function": commit before the response is sent, so a failed
# commit can't follow a 200.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session, scope="function")]
# scope="request": the session outlives the endpoint, for a StreamingResponse reading from it.
StreamingSessionDep = Annotated[AsyncSession, Depends(get_streaming_session, scope="request")]
