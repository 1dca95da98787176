"""The ASGI application: `app.main:app`."""

import asyncio
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from prometheus_client import CollectorRegistry

from app.auth.router import router as auth_router
from app.core import metrics
from app.core.api_docs import add_api_docs
from app.core.config import Settings, SettingsError, get_settings
from app.core.database import (
    create_engine,
    create_read_sessionmaker,
    create_sessionmaker,
    create_snapshot_sessionmaker,
)
from app.core.errors import register_error_handlers
from app.core.health import database_probe
from app.core.health import router as health_router
from app.core.listen import listen
from app.core.logging import AccessLogMiddleware, configure_logging
from app.core.shop_config import router as shop_config_router
from app.core.throttle import LimitName, Throttle
from app.email.models import EmailStatus
from app.email.sender import run_sender
from app.orders.models import OrderStatus
from app.orders.router import router as orders_router
from app.orders.sweeper import run_sweeper
from app.products.router import router as products_router
from app.stats.router import router as stats_router
from app.users.callers import USERS_CHANGED_CHANNEL, CallerCache
from app.users.router import router as users_router

API_VERSION = "0.1.0"
OPENAPI_URL = "/api/openapi.json"
# Swagger and ReDoc show the groups in this order, each with its description.
OPENAPI_TAGS = [
    {
        "name": "auth",
        "description": "Register, sign in (JSON, or the OAuth2 password form that **Authorize** "
        "uses), trade a refresh token for a new pair, sign out.",
    },
    {
        "name": "users",
        "description": "Your own account for everyone; other accounts for admins. Only a "
        "superadmin grants or manages admin roles.",
    },
    {
        "name": "products",
        "description": "The catalogue: customers see active products; admins create, change, "
        "archive and restock them.",
    },
    {
        "name": "orders",
        "description": "Customers order and cancel their own pending orders; admins see every "
        "order and move it through pending → paid → shipped → completed.",
    },
    {"name": "stats", "description": "Counts, revenue and low stock, for admins."},
    {
        "name": "config",
        "description": "The shop's currency, time zone and sign-up policy; public.",
    },
    {
        "name": "health",
        "description": "Whether the API and its database answer; public, for probes and operators.",
    },
]
# Client-sent request IDs are echoed into logs and headers: keep them short and inert.
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def _operation_id(route: APIRoute) -> str:
    # Function names are unique across routers: `login`, `list_users`, `read_me`.
    return route.name


def _is_valid_request_id(value: str) -> bool:
    return REQUEST_ID_PATTERN.fullmatch(value) is not None


def _metrics_registry(settings: Settings) -> CollectorRegistry:
    """What /metrics serves in a single process: the app's own metrics and, added by
    HttpMetrics, the HTTP ones. Every status and limit is served from the start, at 0, so
    a rate over one not seen yet is 0 rather than no data."""
    registry = CollectorRegistry()
    metrics.register(registry)
    metrics.BUILD_INFO.labels(version=API_VERSION, commit=settings.GIT_COMMIT).set(1)
    for status in OrderStatus:
        metrics.ORDER_STATUS_CHANGES.labels(status=status)
    for limit in LimitName:
        metrics.THROTTLED.labels(limit=limit)
    for email_status in EmailStatus:
        metrics.EMAIL_OUTBOX.labels(status=email_status)
    return registry


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    engine = create_engine(settings)
    # Set by the serving app only: prestart's engine is no part of the service's ceiling.
    metrics.DB_POOL_SIZE.set(settings.DATABASE_POOL_SIZE + settings.DATABASE_MAX_OVERFLOW)
    app.state.engine = engine
    app.state.sessionmaker = create_sessionmaker(engine)
    app.state.read_sessionmaker = create_read_sessionmaker(engine)
    app.state.snapshot_sessionmaker = create_snapshot_sessionmaker(engine)
    app.state.database_probe = database_probe(engine)
    app.state.throttle = Throttle.from_settings(settings)
    callers = app.state.callers = CallerCache(seconds=settings.CURRENT_USER_CACHE_SECONDS)
    # Every worker runs one; the sweeper's advisory lock lets one sweep at a time.
    background = [asyncio.create_task(run_sweeper(app.state.sessionmaker, settings))]
    if settings.CURRENT_USER_CACHE_SECONDS:
        background.append(
            asyncio.create_task(
                listen(
                    settings.database_url,
                    USERS_CHANGED_CHANNEL,
                    on_notification=callers.forget_notified,
                    on_listening=callers.set_listening,
                    connect_timeout=settings.DATABASE_CONNECT_TIMEOUT,
                )
            )
        )
        # Requests from the first on find the cache in use, or knowingly not.
        await callers.settled.wait()
    # Likewise a sender per worker, when there is a mail server; row locks share the work.
    if settings.email_enabled:
        background.append(asyncio.create_task(run_sender(app.state.sessionmaker, settings)))
    yield
    for task in background:
        task.cancel()
    for task in background:
        with suppress(asyncio.CancelledError):
            await task
    await app.state.database_probe.cache_close()
    await app.state.throttle.close()
    await callers.close()
    await engine.dispose()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings)
    app = FastAPI(
        title="order_system API",
        version=API_VERSION,
        description="Users, products, stock and orders. Sign in with **Authorize** to try calls.",
        debug=settings.DEBUG,
        # Our own pages (add_api_docs below): FastAPI's load their code from a CDN.
        docs_url=None,
        redoc_url=None,
        openapi_url=OPENAPI_URL,
        openapi_tags=OPENAPI_TAGS,
        # Swagger's Authorize keeps the token in the page only: persistAuthorization would
        # leave it in localStorage, for any script on the origin, after the tab is closed.
        generate_unique_id_function=_operation_id,
        lifespan=_lifespan,
        # Metrics are Prometheus' (app/core/metrics.py) and nothing exports OpenTelemetry:
        # off, FastAPI skips looking for its providers on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    # Under /api like everything else, so the proxy serves them.
    add_api_docs(
        app,
        openapi_url=OPENAPI_URL,
        docs_url="/api/docs",
        oauth2_redirect_url="/api/docs/oauth2-redirect",
        redoc_url="/api/redoc",
    )
    register_error_handlers(app)
    app.include_router(health_router)
    app.include_router(shop_config_router)
    app.include_router(auth_router)
    app.include_router(users_router)
    app.include_router(orders_router)
    app.include_router(stats_router)
    app.include_router(products_router)

    app.include_router(metrics.router)

    app.state.metrics_registry = _metrics_registry(settings)
    app.add_middleware(
        metrics.HttpMetricsMiddleware, metrics=metrics.HttpMetrics(app.state.metrics_registry)
    )
    app.add_middleware(AccessLogMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=True,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    # Outermost, so every log line and every response, errors included, carries the ID.
    app.add_middleware(CorrelationIdMiddleware, validator=_is_valid_request_id)
    return app


try:
    app = create_app()
except SettingsError as error:
    # One readable message instead of a traceback, and a non-zero exit for the supervisor.
    raise SystemExit(str(error)) from None
