"""Password checks give their database connection back before bcrypt: requests queued for
the hashing limit must not hold the pool that every other request needs (a storm of sign-ins
or of password changes would otherwise stall the whole API)."""

import asyncio
from collections.abc import Callable

import bcrypt
import httpx
import pytest
from alembic import command
from conftest import MakeSettings
from helpers import LOGIN_URL, ME_URL, NEW_PASSWORD, bearer, client_for, running_app
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.config import Settings
from app.core.migrations import alembic_config
from app.core.security import create_access_token, password_hashing_limiter
from app.users.models import User, UserRole

PASSWORD = "slow-hash-password"
BuildRequest = Callable[[httpx.AsyncClient, User, Settings], httpx.Request]


def _sign_in(client: httpx.AsyncClient, user: User, _: Settings) -> httpx.Request:
    return client.build_request(
        "POST", LOGIN_URL, json={"username": user.username, "password": PASSWORD}
    )


def _change_password(client: httpx.AsyncClient, user: User, settings: Settings) -> httpx.Request:
    token = create_access_token(subject=user.id, settings=settings)
    return client.build_request(
        "POST",
        f"{ME_URL}/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(token),
    )


@pytest.mark.parametrize(
    ("build_request", "expected_status"),
    [(_sign_in, 200), (_change_password, 204)],
    ids=["sign-in", "password-change"],
)
async def test_no_connection_is_held_while_the_password_is_checked(
    scratch_database_url: URL,
    make_settings: MakeSettings,
    build_request: BuildRequest,
    expected_status: int,
) -> None:
    await asyncio.to_thread(command.upgrade, alembic_config(scratch_database_url), "head")
    settings = make_settings(
        DATABASE_URL=scratch_database_url.render_as_string(hide_password=False)
    )
    # The production cost: the check lasts long enough to be watched.
    stored = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=12)).decode()
    async with running_app(settings) as app, client_for(app) as client:
        sessions: async_sessionmaker[AsyncSession] = app.state.sessionmaker
        engine: AsyncEngine = app.state.engine
        async with sessions() as session, session.begin():
            user = User(
                username="slowhash",
                email="slowhash@example.com",
                role=UserRole.USER,
                hashed_password=stored,
            )
            session.add(user)
        request = build_request(client, user, settings)
        limiter = password_hashing_limiter()
        checked_out_while_hashing = []

        checking = asyncio.create_task(client.send(request))
        while not checking.done():
            if limiter.statistics().borrowed_tokens:
                checked_out_while_hashing.append(engine.pool.checkedout())  # type: ignore[attr-defined]
            await asyncio.sleep(0.005)

        assert (await checking).status_code == expected_status
        assert checked_out_while_hashing, "the password check was never seen running"
        assert set(checked_out_while_hashing) == {0}
