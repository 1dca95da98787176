"""A PostgreSQL set up as the production one is for monitoring: pg_stat_statements preloaded
(the Compose files' `-c shared_preload_libraries`), and postgres-exporter's role created by the
project's own script (monitoring/postgres/postgres-exporter-role.sh), signing in with its
password. A cluster of its own: loading a library takes a restart, which the session's shared
cluster must not get; and there only the exporter's role needs a password (scram), every
other local user is trusted as in the shared cluster.

Not a conftest: a second `conftest.py` would clash with `tests/conftest.py` under mypy.
"""

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ops_support import PG_BIN
from sqlalchemy.engine import URL

from devtools.local_postgres import LocalPostgres

REPO_ROOT = Path(__file__).resolve().parents[2]
EXPORTER_ROLE_SCRIPT = REPO_ROOT / "monitoring" / "postgres" / "postgres-exporter-role.sh"
EXPORTER_ROLE = "postgres_exporter"


def run_exporter_role_script(database: URL, password: str) -> subprocess.CompletedProcess[str]:
    """The script as the image's entrypoint runs it: POSTGRES_USER and POSTGRES_DB set, psql
    on the PATH, the server on its socket (PGHOST), the password in the environment."""
    environment = {
        "PATH": f"{PG_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "POSTGRES_USER": str(database.username),
        "POSTGRES_DB": str(database.database),
        "PGHOST": str(database.query["host"]),
        "POSTGRES_EXPORTER_PASSWORD": password,
    }
    return subprocess.run(
        [str(EXPORTER_ROLE_SCRIPT)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@contextmanager
def monitored_postgres(database: str, exporter_password: str) -> Iterator[URL]:
    """A cluster of its own with `database` in it, stopped and removed afterwards; gives the
    superuser's URL of that database."""
    with LocalPostgres.temporary() as server:
        server.psql("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
        hba = server.data_dir / "pg_hba.conf"
        hba.write_text(f"local all {EXPORTER_ROLE} scram-sha-256\n{hba.read_text()}")
        server.stop()
        server.start()
        url = server.create_database(database)
        created = run_exporter_role_script(url, exporter_password)
        assert created.returncode == 0, created.stderr
        yield url
