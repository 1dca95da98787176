"""The service's own metrics, served at /metrics beside the HTTP ones of
prometheus-fastapi-instrumentator.

One set per process, registered in no registry here: `register` adds them to an app's
registry, which /metrics serves in a single process. With PROMETHEUS_MULTIPROC_DIR set (the
image runs several uvicorn workers) prometheus_client writes every value to a file in that
directory as it changes, and /metrics adds up the files of every worker, whichever worker
answers; each gauge's `multiprocess_mode` says how its workers' values combine.

Business counts happen after their transaction commits (`count_on_commit`): an order rolled
back was never placed.
"""

from prometheus_client import CollectorRegistry, Counter, Gauge
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

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
