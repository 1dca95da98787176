"""The engine, the session factory and the declarative base."""

from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import ColumnElement, DateTime, Enum, Index, MetaData, delete, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    InstrumentedAttribute,
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
)
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry

from app.core import metrics
from app.core.config import Settings

CLIENT_SIDE_TIMEOUT_MARGIN_SECONDS = 5.0

# Predictable constraint names, so Alembic migrations can address them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: DateTime(timezone=True)}


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())


def trigram_index(name: str, column: InstrumentedAttribute[str]) -> Index:
    """Serves the case-insensitive substring search (`lower(column) LIKE '%term%'`)."""
    expression = func.lower(column).label(f"lower_{column.key}")
    return Index(
        name,
        expression,
        postgresql_using="gin",
        postgresql_ops={expression.name: "gin_trgm_ops"},
    )


def string_enum(values: type[StrEnum], *, name: str) -> Enum:
    """A VARCHAR with a CHECK constraint, not a native PostgreSQL enum: adding a value
    later is a plain migration instead of an `ALTER TYPE` outside transactions."""
    return Enum(
        values,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda members: [member.value for member in members],
    )


class MeasuredPool(AsyncAdaptedQueuePool):
    """SQLAlchemy's pool for asyncio, publishing connections in use and checkouts under way.

    The gauges are set as the pool changes rather than read at scrape time: with several
    workers a scrape is answered by one of them, which can't see the others' pools, while
    what each one sets lands in PROMETHEUS_MULTIPROC_DIR for the scrape to add up. The pool
    itself counts its connections in use (`checkedout()`); it keeps no public count of the
    tasks waiting on its queue, so checkouts are counted around `_do_get`, the step every
    checkout takes (Pool's hook for its implementations), which waits when every connection
    is out. A checkout that finds a connection free is through within microseconds, without
    yielding to the event loop.
    """

    # The pool logs under its own class's name; this keeps it among SQLAlchemy's loggers
    # (quiet below WARNING unless echo_pool asks), as it was before the subclass.
    _sqla_logger_namespace = "sqlalchemy.pool.impl.AsyncAdaptedQueuePool"

    def _do_get(self) -> ConnectionPoolEntry:
        metrics.DB_POOL_WAITING.inc()
        try:
            return super()._do_get()
        finally:
            metrics.DB_POOL_WAITING.dec()
            metrics.DB_POOL_CHECKED_OUT.set(self.checkedout())

    def _do_return_conn(self, record: ConnectionPoolEntry) -> None:
        super()._do_return_conn(record)
        metrics.DB_POOL_CHECKED_OUT.set(self.checkedout())


def create_engine(settings: Settings, *, time_limits: bool = True) -> AsyncEngine:
    """The engine with the configured pool. `time_limits`: the lock and statement timeouts,
    and the driver's backstop, which serving requests needs; maintenance commands (a seed's
    COPY of 100,000 orders, a clean-up waiting its turn for locks) run without them."""
    statement_timeout = settings.DATABASE_STATEMENT_TIMEOUT if time_limits else 0
    lock_timeout = settings.DATABASE_LOCK_TIMEOUT if time_limits else 0
    return create_async_engine(
        settings.database_url,
        poolclass=MeasuredPool,
        pool_size=settings.DATABASE_POOL_SIZE,
        max_overflow=settings.DATABASE_MAX_OVERFLOW,
        pool_timeout=settings.DATABASE_POOL_TIMEOUT,
        # Parameters are what users typed (emails, password hashes, search terms): an error's
        # message, and any SQL logging switched on, show the statement without them.
        hide_parameters=True,
        # No pre-ping: it cost three round trips (BEGIN, `;`, ROLLBACK) on every checkout. A
        # connection the server dropped fails its one request with a 503, and SQLAlchemy then
        # discards every connection of the pool opened before it.
        connect_args={
            "timeout": settings.DATABASE_CONNECT_TIMEOUT,
            "command_timeout": _client_side_timeout(statement_timeout),
            "server_settings": {
                "lock_timeout": _milliseconds(lock_timeout),
                "statement_timeout": _milliseconds(statement_timeout),
            },
        },
    )


def _milliseconds(seconds: float) -> str:
    return f"{round(seconds * 1000)}ms"


def _client_side_timeout(statement_timeout: float) -> float | None:
    """asyncpg's own limit on every query: a backstop for a server that stopped answering
    altogether (a hung host, a lost network), which cannot enforce statement_timeout itself.
    A little later than statement_timeout, so a merely slow query is cancelled cleanly by
    PostgreSQL first."""
    return statement_timeout + CLIENT_SIDE_TIMEOUT_MARGIN_SECONDS if statement_timeout else None


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


class WriteOnReadSession(RuntimeError):
    """A route that declared it only reads (`ReadSessionDep`) tried to write: a bug."""


class ReadOnlySession(Session):
    """The session of routes that only read. It refuses every write, flushed or executed, so
    a route that writes on it fails in tests as in production, where its autocommit would
    otherwise keep each statement at once, outside any transaction."""


@event.listens_for(ReadOnlySession, "before_flush")
def _refuse_flush(session: Session, flush_context: object, instances: object) -> None:
    raise WriteOnReadSession("an object was added, changed or deleted on a read session")


@event.listens_for(ReadOnlySession, "do_orm_execute")
def _refuse_writing_statements(execution: ORMExecuteState) -> None:
    if not execution.is_select:
        raise WriteOnReadSession(f"not a SELECT on a read session: {execution.statement}")


def create_read_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions in autocommit, for routes that only read: no BEGIN and no COMMIT, two round
    trips fewer. Each statement sees its own snapshot, which reads built as one statement
    (a page with its total, an order with its lines) don't notice."""
    return async_sessionmaker(
        engine.execution_options(isolation_level="AUTOCOMMIT"),
        expire_on_commit=False,
        sync_session_class=ReadOnlySession,
    )


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint behind an IntegrityError, as asyncpg reports it."""
    driver_error = error.orig.__cause__ if error.orig is not None else None
    return getattr(driver_error, "constraint_name", None)


def create_snapshot_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for reads that stream a large result (an export), each in one read-only
    REPEATABLE READ transaction: the whole file comes from one snapshot, and PostgreSQL keeps
    the server-side cursor that feeds it in batches only inside a transaction (the read
    sessions' autocommit would refuse it)."""
    return async_sessionmaker(
        engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True),
        expire_on_commit=False,
        sync_session_class=ReadOnlySession,
    )


async def delete_some(
    session: AsyncSession,
    id_column: InstrumentedAttribute[Any],
    where: ColumnElement[bool],
    *,
    limit: int,
) -> int:
    """Delete up to `limit` rows matching `where`, chosen by their id, and return how many:
    purges go in bounded batches, so no statement locks many rows for long."""
    chosen = select(id_column).where(where).limit(limit).scalar_subquery()
    deleted = await session.scalars(
        delete(id_column.class_).where(id_column.in_(chosen)).returning(id_column)
    )
    return len(deleted.all())
