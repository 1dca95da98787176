"""PostgreSQL LISTEN on a connection of its own, for the lifetime of the app."""

import asyncio
from collections.abc import Callable

import asyncpg
import structlog
from sqlalchemy.engine import URL

from app.core.background import pause

# How long a lost listening connection waits before connecting again.
RECONNECT_SECONDS = 1.0

logger = structlog.get_logger(__name__)


async def listen(
    database_url: URL,
    channel: str,
    *,
    on_notification: Callable[[str], None],
    on_listening: Callable[[bool], None],
    connect_timeout: float,
) -> None:
    """Call `on_notification(payload)` for every notification on `channel`, until cancelled.

    `on_listening(True)` once LISTEN holds, `on_listening(False)` whenever the connection is
    lost (notifications sent meanwhile are lost with it), then it connects again. A
    connection of its own, outside the engine's pool: it stays idle in LISTEN for as long
    as the app runs.
    """
    dsn = database_url.set(drivername="postgresql").render_as_string(hide_password=False)
    while True:
        connection: asyncpg.Connection | None = None
        try:
            connection = await asyncpg.connect(dsn, timeout=connect_timeout)
            lost = asyncio.Event()
            connection.add_termination_listener(lambda _, lost=lost: lost.set())
            await connection.add_listener(
                channel, lambda _connection, _pid, _channel, payload: on_notification(payload)
            )
            on_listening(True)
            await lost.wait()
            logger.warning("listen_connection_lost", channel=channel)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            logger.warning("listen_failed", channel=channel, error=type(error).__name__)
        finally:
            on_listening(False)
            if connection is not None and not connection.is_closed():
                connection.terminate()
        await pause(RECONNECT_SECONDS)
