"""A sign-in gives its database connection back before bcrypt: sign-ins queued for the
hashing limit must not hold the pool that every other request needs (a login storm would
otherwise stall the whole API)."""

import asyncio

import bcrypt
from alembic import command
from conftest import MakeSettings
from helpers import LOGIN_URL, client_for, running_app
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.core.migrations import alembic_config
from app.core.security import password_hashing_limiter
from app.users.models import User, UserRole

PASSWORD = "slow-hash-password"


async def test_no_connection_is_held_while_the_password_is_checked(
    scratch_database_url: URL, make_settings: MakeSettings
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
            session.add(
                User(
                    username="slowhash",
                    email="slowhash@example.com",
                    role=UserRole.USER,
                    hashed_password=stored,
                )
            )
        limiter = password_hashing_limiter()
        checked_out_while_hashing = []

        signing_in = asyncio.create_task(
            client.post(LOGIN_URL, json={"username": "slowhash", "password": PASSWORD})
        )
        while not signing_in.done():
            if limiter.statistics().borrowed_tokens:
                checked_out_while_hashing.append(engine.pool.checkedout())  # type: ignore[attr-defined]
            await asyncio.sleep(0.005)

        assert (await signing_in).status_code == 200
        assert checked_out_while_hashing, "the password check was never seen running"
        assert set(checked_out_while_hashing) == {0}
