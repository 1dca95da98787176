"""Alembic configured in code, so migrations run the same from prestart, tests and the CLI."""

from pathlib import Path

from alembic.config import Config
from sqlalchemy.engine import URL

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "alembic"


def alembic_config(database_url: URL | None = None) -> Config:
    """Without a URL, env.py takes it from the settings."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    return config
