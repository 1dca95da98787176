"""The service's metrics, served at /metrics: its own, and the HTTP ones of every request.

One set per process, registered in no registry here: `register` adds them to an app's
registry, which /metrics serves in a single process. With PROMETHEUS_MULTIPROC_DIR set (the
image runs several uvicorn workers) prometheus_client writes every value to a file in that
directory as it changes, and /metrics adds up the files of every worker, whichever worker
answers; each gauge's `multiprocess_mode` says how its workers' values combine.

Business counts happen after their transaction commits (`count_on_commit`): an order rolled
back was never placed.
"""

import os
from collections.abc import Iterable

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Summary,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Scope

from app.core.asgi import RequestObserver, ResponseStartRecorder

METRICS_PATH = "/metrics"
# Requests no route matched share one label, so scanners can't mint a series per path.
UNMATCHED_HANDLER = "none"
# Finer than prometheus_client's defaults, so the dashboard's p50 and p99 mean something.
LATENCY_BY_HANDLER_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
# One histogram without labels, fine-grained for service-wide percentiles.
LATENCY_BUCKETS = (
    0.01,
    0.025,
    0.05,
    0.075,
    0.1,
    0.25,
    0.5,
    0.75,
    1,
    1.5,
    2,
    2.5,
    3,
    3.5,
    4,
    4.5,
    5,
    7.5,
    10,
    30,
    60,
)

router = APIRouter()

BUILD_INFO = Gauge(
    "order_system_build_info",
    "Always 1; the labels say which version and commit are running.",
    ["version", "commit"],
    registry=None,
    multiprocess_mode="max",
)
ORDERS_PLACED = Counter("order_system_orders_placed", "Orders placed (committed).", registry=None)
ORDER_STATUS_CHANGES = Counter(
    "order_system_order_status_changes",
    "Orders moved to `status` (committed), by people or by the sweeper's expiries.",
    ["status"],
    registry=None,
)
SIGN_IN_FAILURES = Counter(
    "order_system_sign_in_failures",
    "Sign-ins refused for wrong credentials (an unknown user, a wrong password, an inactive "
    "account).",
    registry=None,
)
THROTTLED = Counter(
    "order_system_throttled",
    "Requests refused by the rate limit `limit`.",
    ["limit"],
    registry=None,
)
# Connections are in use in every worker: the service's total is their sum. A worker that
# died without shutting down leaves its last values behind until the next start empties
# the directory (see docker-entrypoint.sh).
DB_POOL_CHECKED_OUT = Gauge(
    "order_system_db_pool_checked_out",
    "Database connections in use.",
    registry=None,
    multiprocess_mode="livesum",
)
DB_POOL_SIZE = Gauge(
    "order_system_db_pool_size",
    "Database connections the pool may open: pool size plus max overflow.",
    registry=None,
    multiprocess_mode="livesum",
)
DB_POOL_WAITING = Gauge(
    "order_system_db_pool_waiting",
    "Checkouts under way: requests waiting for a free connection or for a new one to open.",
    registry=None,
    multiprocess_mode="livesum",
)
# One worker sweeps at a time: what the latest sweep saw is the answer, whichever ran it.
SWEEPER_BACKLOG = Gauge(
    "order_system_sweeper_backlog",
    "Pending orders past their expiry that the latest sweep left pending.",
    registry=None,
    multiprocess_mode="mostrecent",
)
SWEEPER_LAST_RUN = Gauge(
    "order_system_sweeper_last_run_timestamp_seconds",
    "When a sweep last ran to its end (Unix time).",
    registry=None,
    multiprocess_mode="max",
)
# Every worker's sender counts the whole outbox: the latest count is the answer.
EMAIL_OUTBOX = Gauge(
    "order_system_email_outbox",
    "Mails in the outbox by `status`: pending (to send or to retry), sent (kept a week), "
    "failed (out of attempts, see `python -m app.cli outbox`).",
    ["status"],
    registry=None,
    multiprocess_mode="mostrecent",
)

APPLICATION_METRICS = (
    BUILD_INFO,
    ORDERS_PLACED,
    ORDER_STATUS_CHANGES,
    SIGN_IN_FAILURES,
    THROTTLED,
    DB_POOL_CHECKED_OUT,
    DB_POOL_SIZE,
    DB_POOL_WAITING,
    SWEEPER_BACKLOG,
    SWEEPER_LAST_RUN,
    EMAIL_OUTBOX,
)
_ON_COMMIT = "metrics_counted_on_commit"


def register(registry: CollectorRegistry) -> None:
    for metric in APPLICATION_METRICS:
        registry.register(metric)


def count_on_commit(session: AsyncSession, counter: Counter) -> None:
    """Add one to `counter` once `session`'s transaction commits; a rollback forgets it."""
    session.info.setdefault(_ON_COMMIT, []).append(counter)


@event.listens_for(Session, "after_commit")
def _count_committed(session: Session) -> None:
    for counter in session.info.pop(_ON_COMMIT, []):
        counter.inc()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_ON_COMMIT, None)


class HttpMetrics:
    """Per-request metrics, under the names and labels the dashboards and alerts query (those
    prometheus-fastapi-instrumentator's defaults had). One set per app's registry."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "http_requests_total",
            "Total number of requests by method, status and handler.",
            ["method", "status", "handler"],
            registry=registry,
        )
        self.request_size = Summary(
            "http_request_size_bytes",
            "Content length of incoming requests by handler (the header's value; 0 without).",
            ["handler"],
            registry=registry,
        )
        self.response_size = Summary(
            "http_response_size_bytes",
            "Content length of outgoing responses by handler (the header's value; 0 without).",
            ["handler"],
            registry=registry,
        )
        self.latency = Histogram(
            "http_request_duration_highr_seconds",
            "Latency with many buckets but no labels, for service-wide percentiles.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.latency_by_handler = Histogram(
            "http_request_duration_seconds",
            "Latency by method and handler.",
            ["method", "handler"],
            buckets=LATENCY_BY_HANDLER_BUCKETS,
            registry=registry,
        )


def _content_length(headers: Iterable[tuple[bytes, bytes]]) -> int:
    for name, value in headers:
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else 0
    return 0


class HttpMetricsMiddleware(RequestObserver):
    """Counts, sizes and times every request by its route's template (`/api/orders/{order_id}`).

    The template is the route the router matched (`scope["route"]`, set as it dispatches):
    matching the path against every route again cost more than all the rest.
    """

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    def observe(self, scope: Scope, response: ResponseStartRecorder, seconds: float) -> None:
        handler = getattr(scope.get("route"), "path", UNMATCHED_HANDLER)
        if handler == METRICS_PATH:
            return
        method = scope["method"]
        metrics = self.metrics
        metrics.requests.labels(method, str(response.status), handler).inc()
        metrics.request_size.labels(handler).observe(_content_length(scope["headers"]))
        metrics.response_size.labels(handler).observe(_content_length(response.headers))
        metrics.latency.observe(seconds)
        metrics.latency_by_handler.labels(method, handler).observe(seconds)


@router.get(METRICS_PATH, include_in_schema=False)
def serve_metrics(request: Request) -> Response:
    """Every metric in Prometheus' text format: this process's, or with
    PROMETHEUS_MULTIPROC_DIR set, every worker's added up from their files."""
    registry: CollectorRegistry = request.app.state.metrics_registry
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
