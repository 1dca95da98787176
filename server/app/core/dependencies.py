"""Request-scoped dependencies shared by every domain."""

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.config import Settings

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


SettingsDep = Annotated[Settings, Depends(get_settings_from_app)]
# scope="function": commit before the response is sent, so a failed commit can't follow a 200.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
