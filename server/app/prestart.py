"""Run before the server: wait for the database, migrate it, ensure the first superuser.

`python -m app.prestart` is idempotent; containers run it before every start.
"""

import asyncio
import logging

import structlog
from sqlalchemy import text
from tenacity import AsyncRetrying, RetryError, stop_after_attempt, wait_fixed

from app.core.config import Settings, SettingsError, get_settings
from app.core.database import create_engine, create_sessionmaker
from app.core.logging import configure_logging
from app.core.migrations import MigrationFailed, alembic_config, upgrade_to_head
from app.users import service as users_service
from app.users.models import UserRole
from app.users.schemas import UserRegister

DATABASE_WAIT_ATTEMPTS = 60
DATABASE_WAIT_SECONDS = 1.0
# An arbitrary constant naming the lock around the creation of the first superuser.
FIRST_SUPERUSER_LOCK = 7_301_948_212

logger = structlog.get_logger("app.prestart")


async def _wait_for_database(settings: Settings, *, attempts: int) -> None:
    engine = create_engine(settings)
    try:
        async for attempt in AsyncRetrying(
            stop=stop_after_attempt(attempts),
            wait=wait_fixed(DATABASE_WAIT_SECONDS),
            before_sleep=lambda state: logger.info(
                "waiting_for_database", attempt=state.attempt_number, of=attempts
            ),
        ):
            with attempt:
                async with engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()


async def _ensure_first_superuser(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with create_sessionmaker(engine)() as session, session.begin():
            # Replicas starting together take turns, so the later ones find the user.
            await session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": FIRST_SUPERUSER_LOCK}
            )
            if await users_service.find_by_username(session, settings.FIRST_SUPERUSER):
                logger.info("first_superuser_exists", username=settings.FIRST_SUPERUSER)
                return
            await users_service.register_user(
                session,
                UserRegister(
                    username=settings.FIRST_SUPERUSER,
                    email=settings.FIRST_SUPERUSER_EMAIL,
                    password=settings.FIRST_SUPERUSER_PASSWORD.get_secret_value(),
                ),
                role=UserRole.SUPERADMIN,
            )
            logger.info("first_superuser_created", username=settings.FIRST_SUPERUSER)
    finally:
        await engine.dispose()


def prestart(settings: Settings, *, wait_attempts: int = DATABASE_WAIT_ATTEMPTS) -> None:
    database = settings.database_url.render_as_string(hide_password=True)
    try:
        asyncio.run(_wait_for_database(settings, attempts=wait_attempts))
    except RetryError as error:
        cause = error.last_attempt.exception()
        raise SystemExit(
            f"Database {database} did not answer after {wait_attempts} attempts: "
            f"{type(cause).__name__}: {cause}"
        ) from None
    logger.info("migrating", database=database)
    try:
        upgrade_to_head(alembic_config(settings.database_url))
    except MigrationFailed as error:
        raise SystemExit(str(error)) from None
    asyncio.run(_ensure_first_superuser(settings))


def main() -> None:
    try:
        settings = get_settings()
    except SettingsError as error:
        raise SystemExit(str(error)) from None
    configure_logging(settings)
    # Alembic logs each migration it applies; keep that at INFO whatever LOG_LEVEL says.
    logging.getLogger("alembic").setLevel(logging.INFO)
    prestart(settings)


if __name__ == "__main__":
    main()
