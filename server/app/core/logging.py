"""Structured logs: one line per event, JSON in production, each carrying the request ID."""

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, TextIO

import structlog
from asgi_correlation_id import correlation_id
from starlette.types import Scope

from app.core.asgi import RequestObserver, ResponseStartRecorder
from app.core.config import Settings

# Probes and scrapes run every few seconds; logging each would drown the real traffic.
QUIET_PATHS = frozenset({"/health", "/api/health", "/metrics"})

access_logger = structlog.get_logger("app.access")


def _add_request_id(_: Any, __: str, event: MutableMapping[str, Any]) -> Mapping[str, Any]:
    request_id = correlation_id.get()
    if request_id is not None:
        event.setdefault("request_id", request_id)
    return event


class _StandardErrorHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever `sys.stderr` is when a record comes, as test runners swap it."""

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _: TextIO) -> None:
        pass


def configure_logging(settings: Settings) -> None:
    """Route structlog and the standard library (uvicorn, SQLAlchemy) through one formatter."""
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_request_id,
    ]
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer()
        if settings.log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        # Level first: a probe's debug line is dropped before it is timestamped and handed on.
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = _StandardErrorHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.format_exc_info,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(settings.LOG_LEVEL)
    # Uvicorn's own access log lacks the request ID and user; AccessLogMiddleware replaces it.
    logging.getLogger("uvicorn.access").disabled = True
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True


class AccessLogMiddleware(RequestObserver):
    """Logs method, path, status, duration and user of every request, never bodies or headers."""

    def observe(self, scope: Scope, response: ResponseStartRecorder, seconds: float) -> None:
        path = scope["path"]
        log = access_logger.debug if path in QUIET_PATHS else access_logger.info
        log(
            "request",
            method=scope["method"],
            path=path,
            status=response.status,
            duration_ms=round(seconds * 1000, 2),
            user_id=scope.get("state", {}).get("user_id"),
            client=scope["client"][0] if scope.get("client") else None,
        )
