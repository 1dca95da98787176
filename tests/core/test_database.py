from conftest import MakeSettings
from sqlalchemy import text

from app.core.database import create_engine


async def _limits(make_settings: MakeSettings, *, time_limits: bool) -> tuple[str, str]:
    settings = make_settings(DATABASE_LOCK_TIMEOUT=1.5, DATABASE_STATEMENT_TIMEOUT=20)
    engine = create_engine(settings, time_limits=time_limits)
    try:
        async with engine.connect() as connection:
            lock = await connection.scalar(text("SHOW lock_timeout"))
            statement = await connection.scalar(text("SHOW statement_timeout"))
            return str(lock), str(statement)
    finally:
        await engine.dispose()


async def test_the_api_sessions_wait_no_longer_than_the_configured_limits(
    make_settings: MakeSettings,
) -> None:
    assert await _limits(make_settings, time_limits=True) == ("1500ms", "20s")


async def test_maintenance_sessions_run_without_time_limits(make_settings: MakeSettings) -> None:
    assert await _limits(make_settings, time_limits=False) == ("0", "0")
