"""Hot reads straight on the driver: a Core SELECT compiled once into asyncpg's SQL, run on
the asyncpg connection under the request's session.

SQLAlchemy's execution path costs several times the driver's for each statement (the compiled
cache's key, the greenlet hop, the result machinery, ORM objects): measured, 0.96 ms of CPU
for the catalogue's page against 0.11 ms for asyncpg alone running its SQL. The statement is
still written once, in Core, with named bind parameters for what varies; asyncpg prepares it
on each connection the first time and keeps it in its own statement cache.
"""

from typing import Any, cast

import asyncpg
from sqlalchemy import Select
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

_DIALECT = PGDialect_asyncpg()  # type: ignore[no-untyped-call]


class RawRead:
    """A SELECT compiled once, run with the values of its named bind parameters.

    `RawRead(select(...).where(Product.id == bindparam("product_id")))` then
    `await read.fetch(session, product_id=7)`. Values go to asyncpg as they are (asyncpg
    encodes them for the parameters' types); values the statement holds itself, such as a
    literal `0`, are kept from the compilation. Rows come back as asyncpg Records, by column
    name, with no type processing of SQLAlchemy's: the response models validate them.
    """

    def __init__(self, statement: Select[*tuple[Any, ...]]) -> None:
        compiled = statement.compile(dialect=_DIALECT)
        self.sql = compiled.string
        self._order = tuple(compiled.positiontup or ())
        self.parameters = frozenset(name for name in self._order if compiled.binds[name].required)
        self._fixed = {
            name: value for name, value in compiled.params.items() if name not in self.parameters
        }

    async def fetch(self, session: AsyncSession, **values: Any) -> list[asyncpg.Record]:
        if values.keys() != self.parameters:
            raise TypeError(f"expected values for {sorted(self.parameters)}, got {sorted(values)}")
        given = self._fixed | values
        arguments = [given[name] for name in self._order]
        # The session's own connection: its transaction, if it has one, and back to the pool
        # when the session closes, as for any statement of the session's.
        connection = await session.connection()
        # A connection checked out by the session always has its driver's.
        driver = cast(asyncpg.Connection, (await connection.get_raw_connection()).driver_connection)
        try:
            records: list[asyncpg.Record] = await driver.fetch(self.sql, *arguments)
        except Exception as error:
            raise await _as_sqlalchemy_error(connection, error, self.sql) from error
        return records


async def _as_sqlalchemy_error(
    connection: AsyncConnection, error: Exception, sql: str
) -> Exception:
    """The error as SQLAlchemy raises it from any other statement, so the API's database
    error handlers answer the same (a timeout a 503 `database_busy`, a lost connection a 503
    `database_unavailable`): asyncpg's error translated by the dialect's own DBAPI adapter,
    wrapped as a DBAPIError. A connection found closed is invalidated, so the pool opens a
    new one instead of handing it out again."""
    pooled = await connection.get_raw_connection()
    dialect = connection.dialect
    dbapi_error = dialect.loaded_dbapi.Error
    try:
        # The adapter's translation (asyncpg's class to the DBAPI's) always raises.
        pooled.dbapi_connection._handle_exception(error)  # type: ignore[union-attr]
    except dbapi_error as translated:
        lost = dialect.is_disconnect(translated, pooled.dbapi_connection, None)
        if lost:
            await connection.invalidate(translated)
        return sa_exc.DBAPIError.instance(
            sql,
            None,
            translated,
            dbapi_error,
            hide_parameters=True,
            connection_invalidated=lost,
            dialect=dialect,
        )
    except Exception as untranslated:
        # Not the driver's (a socket's OSError, a timeout): raised as it is, as SQLAlchemy
        # would.
        return untranslated
    return error
