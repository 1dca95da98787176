"""Alembic configured in code, so migrations run the same from prestart, tests and the CLI."""

import traceback
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import Script, ScriptDirectory
from sqlalchemy.engine import URL

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "alembic"


class MigrationFailed(Exception):
    """An upgrade that failed; env.py runs it in one transaction, so none of it was applied."""

    def __init__(self, *, revision: Script | None, error: BaseException) -> None:
        self.revision = revision
        cause = _innermost_cause(error)
        reason = next(iter(str(cause).strip().splitlines()), "")
        migration = (
            f"Migration {revision.revision} ({revision.doc})"
            if revision is not None
            else "The migration"
        )
        super().__init__(
            f"{migration} failed and was rolled back, the schema is unchanged: "
            f"{type(cause).__name__}: {reason}"
        )


def alembic_config(database_url: URL | None = None) -> Config:
    """Without a URL, env.py takes it from the settings."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["database_url"] = database_url
    return config


def upgrade_to_head(config: Config) -> None:
    """`alembic upgrade head`, failing with MigrationFailed, which names the revision."""
    try:
        command.upgrade(config, "head")
    except Exception as error:
        raise MigrationFailed(revision=_failed_revision(config, error), error=error) from error


def _failed_revision(config: Config, error: BaseException) -> Script | None:
    """The revision whose upgrade() raised: its file is the innermost one in the traceback."""
    scripts = {
        Path(script.path).resolve(): script
        for script in ScriptDirectory.from_config(config).walk_revisions()
    }
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        script = scripts.get(Path(frame.filename).resolve())
        if script is not None:
            return script
    return None


def _innermost_cause(error: BaseException) -> BaseException:
    """The driver's own error (asyncpg's `UndefinedTableError: ...`) rather than SQLAlchemy's
    wrappers, whose text runs over several lines with the SQL."""
    while error.__cause__ is not None:
        error = error.__cause__
    return error
