"""Request-scoped dependencies shared by every domain."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.throttle import Throttle

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


# `async def` even where nothing is awaited: FastAPI runs plain functions in the threadpool,
# a thread hop per dependency per request.
async def get_settings_from_app(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_sessionmaker(request: Request) -> async_sessionmaker[AsyncSession]:
    """Safe methods only read (RFC 9110 9.2.1), so they skip the transaction."""
    state = request.app.state
    sessionmaker: async_sessionmaker[AsyncSession] = (
        state.read_sessionmaker if request.method in SAFE_METHODS else state.sessionmaker
    )
    return sessionmaker


async def get_session(
    sessionmaker: Annotated[async_sessionmaker[AsyncSession], Depends(get_sessionmaker)],
) -> AsyncIterator[AsyncSession]:
    """One transaction per request that writes: committed when the endpoint returns, rolled
    back on error."""
    async with sessionmaker() as session:
        try:
            yield session
        except Exception:
            await session.rollback()
            raise
        await session.commit()


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
# scope="function": commit before the response is sent, so a failed commit can't follow a 200.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
