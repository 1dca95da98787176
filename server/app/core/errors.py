"""Domain errors and the handlers that render every error as `{"detail", "code", ...}`."""

from http import HTTPStatus
from typing import Any, ClassVar

import asyncpg
import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

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


class DatabaseUnavailable(AppError):
    status_code = HTTPStatus.SERVICE_UNAVAILABLE
    code = "database_unavailable"
    detail = "The database is unavailable, try again shortly"


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


def _code_for_status(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


async def _app_error_handler(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, AppError)
    return _error_response(
        error.status_code, error.message, error.code, headers=error.headers, **error.data
    )


async def _http_error_handler(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    return _error_response(
        error.status_code,
        error.detail,
        _code_for_status(error.status_code),
        headers=dict(error.headers) if error.headers else None,
    )


async def _validation_error_handler(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    # The offending input is left out: it may be a password or a megabyte of text.
    errors = [
        {key: value for key, value in item.items() if key not in {"input", "url"}}
        for item in error.errors()
    ]
    return _error_response(HTTPStatus.UNPROCESSABLE_ENTITY, errors, "validation_error")


async def _database_unavailable_handler(_: Request, error: Exception) -> JSONResponse:
    logger.warning("database_unavailable", error=type(error).__name__)
    unavailable = DatabaseUnavailable()
    return _error_response(unavailable.status_code, unavailable.message, unavailable.code)


async def _unexpected_error_handler(_: Request, error: Exception) -> JSONResponse:
    # Starlette logs the traceback after this response; the client only learns that it failed.
    return _error_response(
        HTTPStatus.INTERNAL_SERVER_ERROR, "Internal server error", "internal_error"
    )


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_error_handler)
    # Lost, refused or timed-out connections, a server starting or shutting down, an exhausted
    # pool: the database can't serve now and the client should retry. The only sockets this
    # service opens are to its database, so OSError means the same.
    for unavailable in (
        sa_exc.InterfaceError,
        sa_exc.OperationalError,
        sa_exc.TimeoutError,
        asyncpg.CannotConnectNowError,
        asyncpg.TooManyConnectionsError,
        OSError,
    ):
        app.add_exception_handler(unavailable, _database_unavailable_handler)
    app.add_exception_handler(Exception, _unexpected_error_handler)


class ErrorBody(BaseModel):
    detail: str
    code: str


def error_responses(*status_codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the errors a route can return, so Swagger tells the truth."""
    return {
        status_code: {"model": ErrorBody, "description": HTTPStatus(status_code).phrase}
        for status_code in status_codes
    }
