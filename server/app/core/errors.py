"""Domain errors and the handlers that render every error as `{"detail", "code", ...}`."""

from http import HTTPStatus
from typing import Any, ClassVar, Literal, cast

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, create_model
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

logger = structlog.get_logger(__name__)


class ErrorBody(BaseModel):
    """Every error's body: what went wrong for a person, and a machine `code` to branch on."""

    detail: str
    code: str


class AppError(Exception):
    """A failure the client can act on. Services raise these and know nothing of HTTP.

    Each concrete error declares its `status_code`, `code`, default `detail`, the `remedy` (what
    a client should do, for docs/errors.md) and, if its body says more, the `fields` model of
    what it adds. From these `__init_subclass__` derives `body`, the model the handler renders
    and OpenAPI documents, with `code` a `Literal` clients discriminate on. Categories that are
    never raised themselves (`Conflict`, `Forbidden`) are declared `abstract=True`.
    """

    status_code: ClassVar[int] = HTTPStatus.BAD_REQUEST
    code: ClassVar[str]
    detail: ClassVar[str]
    remedy: ClassVar[str]
    fields: ClassVar[type[BaseModel] | None] = None
    body: ClassVar[type[ErrorBody]]
    declared: ClassVar[list[type["AppError"]]] = []

    def __init_subclass__(cls, *, abstract: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if abstract:
            return
        definitions: dict[str, Any] = {"code": (Literal[cls.code], ...)}
        if cls.fields is not None:
            definitions |= {name: (f.annotation, f) for name, f in cls.fields.model_fields.items()}
        cls.body = create_model(
            cls.__name__ + "Body",
            __base__=ErrorBody,
            __doc__=f"{cls.status_code} `{cls.code}`: {cls.detail}",
            **definitions,
        )
        AppError.declared.append(cls)

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: dict[str, str] | None = None,
        fields: BaseModel | None = None,
    ) -> None:
        self.message = detail or self.detail
        self.headers = headers
        self.extra = fields.model_dump() if fields is not None else {}
        super().__init__(self.message)

    def content(self) -> dict[str, Any]:
        """The body as JSON, checked against the declared `body` on the way."""
        body = self.body.model_validate({"detail": self.message, "code": self.code, **self.extra})
        return body.model_dump(mode="json")


class NotFound(AppError, abstract=True):
    status_code = HTTPStatus.NOT_FOUND


class Conflict(AppError, abstract=True):
    status_code = HTTPStatus.CONFLICT


class Forbidden(AppError, abstract=True):
    status_code = HTTPStatus.FORBIDDEN


class Unauthorized(AppError):
    status_code = HTTPStatus.UNAUTHORIZED
    code = "not_authenticated"
    detail = "Not authenticated"
    remedy = "Send `Authorization: Bearer <access token>`; get one from /api/auth/login."

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


class RetryAfter(BaseModel):
    retry_after: int = Field(description="Seconds until there is room again, as `Retry-After`")


class TooManyRequests(AppError, abstract=True):
    """A limit on attempts was reached; `Retry-After` says when there is room again."""

    status_code = HTTPStatus.TOO_MANY_REQUESTS
    fields = RetryAfter

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            headers={"Retry-After": str(retry_after)}, fields=RetryAfter(retry_after=retry_after)
        )


class DatabaseUnavailable(AppError):
    status_code = HTTPStatus.SERVICE_UNAVAILABLE
    code = "database_unavailable"
    detail = "The database is unavailable, try again shortly"
    remedy = (
        "Retry after `Retry-After` seconds. Operators: check the database is up and reachable "
        "(`docker compose ps db`, the API's `database_unavailable` log lines)."
    )
    # Seconds a client should wait: about what a database restart or failover takes.
    retry_after: ClassVar[int] = 5

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": str(self.retry_after)})


class DatabaseBusy(DatabaseUnavailable):
    """Every connection in use, or a lock or statement took longer than allowed."""

    code = "database_busy"
    detail = "The database is too busy to answer in time; nothing was saved, try again shortly"
    remedy = (
        "Retry after `Retry-After` seconds. Operators: a pool too small for the load, or long "
        "locks (DATABASE_POOL_SIZE, DATABASE_LOCK_TIMEOUT, DATABASE_STATEMENT_TIMEOUT)."
    )
    retry_after = 1


class ConcurrentUpdate(Conflict):
    code = "concurrent_update"
    detail = "A concurrent change got in the way; nothing was saved, retry the request"
    remedy = "Retry the same request: nothing was saved."


class UnstorableValue(AppError):
    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "unstorable_value"
    detail = "A value in the request is outside what the database can store or compare"
    remedy = "Send smaller numbers or nearer dates; the schema states each field's range."


class ConstraintViolation(Conflict):
    code = "constraint_violation"
    detail = "The change conflicts with data stored meanwhile; nothing was saved"
    remedy = "Reload what you changed and try again: someone else changed it meanwhile."


class InvalidField(BaseModel):
    type: str = Field(description="Pydantic's error type, e.g. `string_too_short`: translatable")
    loc: list[str | int] = Field(description="Where: `body`, `query`, ... then the field's path")
    msg: str
    ctx: dict[str, Any] | None = None


class InvalidFields(BaseModel):
    detail: list[InvalidField] = Field(description="One entry per invalid field")


class RequestInvalid(AppError):
    """Input that doesn't fit the schema, one entry per invalid field."""

    status_code = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "validation_error"
    detail = "Some input doesn't fit the schema"
    remedy = "Fix each field `detail` lists (`loc` says where, `msg` what is wrong)."
    fields = InvalidFields

    def __init__(self, errors: list[InvalidField]) -> None:
        super().__init__(fields=InvalidFields(detail=errors))

    def content(self) -> dict[str, Any]:
        return self.body.model_validate({"code": self.code, **self.extra}).model_dump(
            mode="json", exclude_none=True
        )


class BodyNotReadable(AppError):
    code = "bad_request"
    detail = "There was an error parsing the body"
    remedy = "Send the body as UTF-8 JSON (or the form the route documents)."


class RequestTooLarge(AppError):
    """Answered by nginx (client_max_body_size), in front of every deployment."""

    status_code = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    code = "request_too_large"
    detail = "Request body too large: 1 MB at most"
    remedy = "Send a body under 1 MB."


class RateLimited(AppError):
    """Answered by nginx (limit_req) before the request reaches the API."""

    status_code = HTTPStatus.TOO_MANY_REQUESTS
    code = "rate_limited"
    detail = "Too many requests, slow down"
    remedy = "Wait `Retry-After` seconds, then send fewer requests per second."


class ApiUnavailable(AppError):
    """Answered by nginx when no API instance answers."""

    status_code = HTTPStatus.BAD_GATEWAY
    code = "api_unavailable"
    detail = "The API is unavailable, try again shortly"
    remedy = "Retry shortly. Operators: check the API containers (`docker compose ps backend`)."


class ApiTimeout(AppError):
    """Answered by nginx when the API takes longer than its proxy_read_timeout."""

    status_code = HTTPStatus.GATEWAY_TIMEOUT
    code = "api_timeout"
    detail = "The API did not answer in time"
    remedy = (
        "Retry shortly; a write may have been saved, so read it back first. Operators: the "
        "API's slow requests (`duration_ms` in its access log)."
    )


class InternalError(AppError):
    status_code = HTTPStatus.INTERNAL_SERVER_ERROR
    code = "internal_error"
    detail = "Internal server error"
    remedy = "A bug: report it with the response's `X-Request-ID`, which the API's logs carry."


class UnknownPath(AppError):
    """No route at this path: per path, so on no operation of the OpenAPI document."""

    status_code = HTTPStatus.NOT_FOUND
    code = "not_found"
    detail = "Not Found"
    remedy = "Check the path against the OpenAPI document (/api/openapi.json)."


class MethodNotAllowed(AppError):
    """A method the path doesn't serve: per path, so on no operation of the document."""

    status_code = HTTPStatus.METHOD_NOT_ALLOWED
    code = "method_not_allowed"
    detail = "Method Not Allowed"
    remedy = "Use one of the methods the `Allow` header lists."


# What nginx answers on API paths, in front of every deployment (nginx/snippets).
PROXY_ERRORS: tuple[type[AppError], ...] = (
    RequestTooLarge,
    RateLimited,
    ApiUnavailable,
    ApiTimeout,
)
# Errors no single route raises: documented in docs/errors.md, not on an operation.
PATH_ERRORS: tuple[type[AppError], ...] = (UnknownPath, MethodNotAllowed)


def _render(error: AppError) -> JSONResponse:
    return JSONResponse(
        status_code=int(error.status_code), content=error.content(), headers=error.headers
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


# What Starlette and FastAPI raise before a route's code runs.
_HTTP_ERRORS = {
    error.status_code: error for error in (BodyNotReadable, UnknownPath, MethodNotAllowed)
}


async def _http_error_handler(request: Request, error: Exception) -> JSONResponse:
    error = cast(StarletteHTTPException, error)
    headers = dict(error.headers) if error.headers else {}
    if error.status_code == HTTPStatus.METHOD_NOT_ALLOWED:
        headers["Allow"] = _allowed_methods(request)
    declared = _HTTP_ERRORS.get(error.status_code)
    if declared is None:
        # Only a status no route of this API raises; rendered the same way all the same.
        return JSONResponse(
            status_code=error.status_code,
            content={"detail": error.detail, "code": _code_for_status(error.status_code)},
            headers=headers or None,
        )
    return _render(declared(error.detail, headers=headers or None))


_FIELD_KEYS = frozenset(InvalidField.model_fields)


async def _validation_error_handler(_: Request, error: Exception) -> JSONResponse:
    error = cast(RequestValidationError, error)
    # The offending input is left out before encoding: it may be a password, a megabyte of
    # text or bytes that aren't UTF-8. jsonable_encoder: a `ctx` may hold the exception a
    # validator raised.
    errors = [
        InvalidField.model_validate(
            jsonable_encoder({key: value for key, value in item.items() if key in _FIELD_KEYS})
        )
        for item in error.errors()
    ]
    return _render(RequestInvalid(errors))


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
    return _render(InternalError())


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
