#!/bin/sh
# The backend container's entrypoint.
#
# With no arguments: `python -m app.prestart` (wait for the database, migrate, first
# superuser), then uvicorn replaces this shell (exec), so SIGTERM from `docker stop` reaches
# it directly and in-flight requests get GRACEFUL_SHUTDOWN_TIMEOUT seconds to finish.
# With arguments: runs them instead, e.g. `docker compose run --rm backend python -m app.cli stats`.
#
# Environment (besides the app's own settings):
#   API_PORT                  port to listen on (8000)
#   WEB_CONCURRENCY           uvicorn worker processes (2)
#   FORWARDED_ALLOW_IPS       proxies trusted for X-Forwarded-* (127.0.0.1): set it to the
#                             proxy's address or network (the Compose files pin nginx's);
#                             never `*`, which lets any client pick the address its sign-in
#                             limits count under
#   GRACEFUL_SHUTDOWN_TIMEOUT seconds for in-flight requests after SIGTERM (20); keep it
#                             below the orchestrator's stop grace period
#   PROMETHEUS_MULTIPROC_DIR  where every worker writes its metrics so /metrics adds them up;
#                             emptied at start, since a dead process's files would be counted
set -eu

if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi

if [ "$#" -gt 0 ]; then
    exec "$@"
fi

if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    find "$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -type f -name '*.db' -delete
fi

# In a subshell without the metrics directory: only the workers' metrics are served.
(unset PROMETHEUS_MULTIPROC_DIR; python -m app.prestart)

exec uvicorn app.main:app \
    --host 0.0.0.0 \
    --port "${API_PORT:-8000}" \
    --workers "${WEB_CONCURRENCY:-2}" \
    --proxy-headers \
    --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" \
    --timeout-graceful-shutdown "${GRACEFUL_SHUTDOWN_TIMEOUT:-20}" \
    --no-access-log
