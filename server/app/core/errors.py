"""Domain errors and the handlers that render every error as `{"detail", "code", ...}`."""

from http import HTTPStatus
from typing import Any, ClassVar, Literal, cast

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

logger = structlog.get_logger(__name__)


class AppError(Exception):
    """A failure the client can act on. Services raise these and know nothing of HTTP."""

    status_code: ClassVar[int] = HTTPStatus.BAD_REQUEST
    code: ClassVar[str] = "bad_request"
    detail: ClassVar[str] = "Bad request"

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        **data: Any,
    ) -> None:
        self.message = detail or self.detail
        self.headers = headers
        self.data = data
        super().__init__(self.message)


class NotFound(AppError):
    status_code = HTTPStatus.NOT_FOUND
    code = "not_found"
    detail = "Not found"


class Conflict(AppError):
    status_code = HTTPStatus.CONFLICT
    code = "conflict"
    detail = "Conflict"


class Forbidden(AppError):
    status_code = HTTPStatus.FORBIDDEN
    code = "forbidden"
    detail = "You are not allowed to do this"


class Unauthorized(AppError):
    status_code = HTTPStatus.UNAUTHORIZED
    code = "not_authenticated"
    detail = "Not authenticated"

    def __init__(self, detail: str | None = None, **data: Any) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"}, **data)


class TooManyRequests(AppError):
    """A limit on attempts was reached; `Retry-After` says when there is room again."""

    status_code = HTTPStatus.TOO_MANY_REQUESTS
    code = "too_many_requests"
    detail = "Too many requests; try again later"

    def __init__(self, retry_after: int) -> None:
        super().__init__(headers={"Retry-After": str(retry_after)}, retry_after=retry_after)


class DatabaseUnavailable(AppError):
    status_code = HTTPStatus.SERVICE_UNAVAILABLE
    code = "database_unavailable"
    detail = "The database is unavailable, try again shortly"
    # Seconds a client should wait: about what a database restart or failover takes.
    retry_after: ClassVar[int] = 5

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": str(self.retry_after)})


class DatabaseBusy(DatabaseUnavailable):
    """Every connection in use, or a lock or statement took longer than allowed."""

    code = "database_busy"
    detail = "The database is too busy to answer in time; nothing was saved, try again shortly"
    retry_after = 1


class ConcurrentUpdate(Conflict):
    code = "concurrent_update"
    detail = "A concurrent change got in the way; nothing was saved, retry the request"


class UnstorableValue(AppError):
    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "unstorable_value"
    detail = "A value in the request is outside what the database can store or compare"


class ConstraintViolation(Conflict):
    code = "constraint_violation"
    detail = "The change conflicts with data stored meanwhile; nothing was saved"


def _error_response(
    status_code: int,
    detail: Any,
    code: str,
    *,
    headers: dict[str, str] | None = None,
    **data: Any,
) -> JSONResponse:
    return JSONResponse(
        status_code=int(status_code),
        content=jsonable_encoder({"detail": detail, "code": code, **data}),
        headers=headers,
    )


def _render(error: AppError) -> JSONResponse:
    return _error_response(
        error.status_code, error.message, error.code, headers=error.headers, **error.data
    )


def _code_for_status(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


# Starlette calls each handler only with the exceptions it was registered for: the casts
# in the handlers say so to mypy.
async def _app_error_handler(_: Request, error: Exception) -> JSONResponse:
    return _render(cast(AppError, error))


_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> str:
    """Every method some route serves at this path. Starlette names only the first route's,
    though `/api/products/{id}` is three routes: GET, PATCH and DELETE."""
    routes = request.app.router.routes
    return ", ".join(
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    )


async def _http_error_handler(request: Request, error: Exception) -> JSONResponse:
    error = cast(StarletteHTTPException, error)
    headers = dict(error.headers) if error.headers else {}
    if error.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        headers["Allow"] = _allowed_methods(request)
    return _error_response(
        error.status_code,
        error.detail,
        _code_for_status(error.status_code),
        headers=headers or None,
    )


async def _validation_error_handler(_: Request, error: Exception) -> JSONResponse:
    error = cast(RequestValidationError, error)
    # The offending input is left out: it may be a password or a megabyte of text.
    errors = [
        {key: value for key, value in item.items() if key not in {"input", "url"}}
        for item in error.errors()
    ]
    return _error_response(HTTPStatus.UNPROCESSABLE_ENTITY, errors, "validation_error")


# Serialization failure and deadlock: the transaction was rolled back and may simply be retried.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01"})
# Connection exceptions, server shutting down or starting, too many connections.
UNAVAILABLE_SQLSTATE_PREFIXES = ("08", "57P", "53300")
# lock_timeout and statement_timeout (DATABASE_LOCK_TIMEOUT, DATABASE_STATEMENT_TIMEOUT).
BUSY_SQLSTATES = frozenset({"55P03", "57014"})
# Data exceptions: a value out of range or of the wrong form for its type.
DATA_EXCEPTION_SQLSTATE_PREFIX = "22"


def _driver_error(error: Exception) -> BaseException | None:
    """What asyncpg itself raised, under SQLAlchemy's wrappers."""
    orig = getattr(error, "orig", None)
    return orig.__cause__ if orig is not None else None


def _is_unencodable_argument(error: Exception) -> bool:
    """asyncpg refuses an argument it can't encode (an integer beyond its column's type, a
    date-time beyond year 9999 in UTC) with an InterfaceError that is also a ValueError, its
    client-side DataError; unhandled, it would pass for a lost connection."""
    cause = _driver_error(error)
    return isinstance(cause, asyncpg.InterfaceError) and isinstance(cause, ValueError)


def _is_broken_protocol(error: Exception) -> bool:
    """PostgreSQL shutting down under a request can leave asyncpg's protocol mid-operation,
    and the next statement on that connection fails with InternalClientError ("cannot switch
    to state 13; another operation (2) is in progress"): the connection failed, not the
    request."""
    return isinstance(_driver_error(error), asyncpg.InternalClientError)


async def _database_error_handler(request: Request, error: Exception) -> JSONResponse:
    """Database failures as the client should see them; none of them as a stack trace."""
    sqlstate = str(getattr(getattr(error, "orig", None), "sqlstate", None) or "")
    if sqlstate in RETRYABLE_SQLSTATES:
        logger.info("transaction_conflict", sqlstate=sqlstate)
        return _render(ConcurrentUpdate())
    if sqlstate in BUSY_SQLSTATES or isinstance(error, sa_exc.TimeoutError):
        # A lock or statement timeout, or no free connection within DATABASE_POOL_TIMEOUT.
        logger.warning("database_busy", error=type(error).__name__, sqlstate=sqlstate)
        return _render(DatabaseBusy())
    if sqlstate.startswith(DATA_EXCEPTION_SQLSTATE_PREFIX) or _is_unencodable_argument(error):
        # The schemas refuse such input first; this is the backstop, logged to be fixed there.
        logger.warning("unstorable_value", sqlstate=sqlstate)
        return _render(UnstorableValue())
    if isinstance(error, sa_exc.IntegrityError):
        # Services turn the violations they expect into domain errors; this is the backstop.
        logger.warning("constraint_violation", sqlstate=sqlstate)
        return _render(ConstraintViolation())
    unavailable = (
        not isinstance(error, sa_exc.DBAPIError)  # refused or timed-out connection
        or isinstance(error, sa_exc.InterfaceError | sa_exc.OperationalError)
        or sqlstate.startswith(UNAVAILABLE_SQLSTATE_PREFIXES)
        or _is_broken_protocol(error)
    )
    if unavailable:
        logger.warning("database_unavailable", error=type(error).__name__, sqlstate=sqlstate)
        return _render(DatabaseUnavailable())
    return await _unexpected_error_handler(request, error)


async def _unexpected_error_handler(_: Request, error: Exception) -> JSONResponse:
    logger.error("unhandled_error", exc_info=error)
    return _error_response(
        HTTPStatus.INTERNAL_SERVER_ERROR, "Internal server error", "internal_error"
    )


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
    # Besides what SQLAlchemy wraps: refused or timed-out connections, a server starting up and
    # an exhausted pool surface as these. The only sockets this service opens are to its
    # database, so OSError means the database too.
    for database_error in (
        sa_exc.DBAPIError,
        sa_exc.TimeoutError,
        asyncpg.CannotConnectNowError,
        asyncpg.TooManyConnectionsError,
        OSError,
    ):
        app.add_exception_handler(database_error, _database_error_handler)
    app.add_exception_handler(Exception, _unexpected_error_handler)


class ErrorBody(BaseModel):
    detail: str
    code: str


class InvalidField(BaseModel):
    type: str
    loc: list[str | int]
    msg: str
    ctx: dict[str, Any] | None = None


class ValidationErrorBody(BaseModel):
    """A 422 for input that doesn't fit the schema: one entry per invalid field."""

    detail: list[InvalidField]
    code: Literal["validation_error"]


# Any route with a body can answer these, before its own code runs.
_BODY_ERRORS = {
    HTTPStatus.BAD_REQUEST: "The body could not be read, e.g. it is not UTF-8",
    # nginx's client_max_body_size, in front of every deployment.
    HTTPStatus.REQUEST_ENTITY_TOO_LARGE: "The body is over 1 MB (refused by the proxy)",
}


def error_responses(*status_codes: int, body: bool = False) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the errors a route can return, so Swagger tells the truth.

    `body=True` adds those of a route that takes a body. A route that lists 422 refuses some
    valid-looking input itself, so its 422 is either body; without it, FastAPI documents the
    validation errors alone.
    """
    descriptions = {HTTPStatus(code): HTTPStatus(code).phrase for code in status_codes}
    if body:
        descriptions = _BODY_ERRORS | descriptions
    return {
        int(status): {
            "model": ErrorBody | ValidationErrorBody
            if status == HTTPStatus.UNPROCESSABLE_ENTITY
            else ErrorBody,
            "description": description,
        }
        for status, description in descriptions.items()
    }
