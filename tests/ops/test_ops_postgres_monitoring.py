"""PostgreSQL's side of monitoring, on a real PostgreSQL set up as production's: the role
postgres-exporter signs in as (monitoring/postgres/postgres-exporter-role.sh), and the
slow-query command of docs/operations.md, run as written through a stand-in `docker` whose
`docker exec` runs psql on this machine."""

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from docs_support import doc_block
from monitoring_support import (
    EXPORTER_ROLE,
    EXPORTER_ROLE_SCRIPT,
    monitored_postgres,
    run_exporter_role_script,
)
from ops_support import PG_BIN, SHELLCHECK, TOOLS_HINT, Toolbox, database_container
from sqlalchemy.engine import URL

# The names the guides' commands use: the Compose defaults.
DATABASE = "order_system"
EXPORTER_PASSWORD = "exporter-role-test-password"


@pytest.fixture(scope="module")
def database() -> Iterator[URL]:
    with monitored_postgres(DATABASE, EXPORTER_PASSWORD) as url:
        yield url


def psql(
    database: URL, sql: str, *, user: str, password: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PG_BIN / "psql"), "--no-psqlrc", "-v", "ON_ERROR_STOP=1", "-tA", "-c", sql],
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "PGHOST": str(database.query["host"]),
            "PGDATABASE": str(database.database),
            "PGUSER": user,
            "PGPASSWORD": password,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def signs_in(database: URL, password: str) -> bool:
    return psql(database, "SELECT 1", user=EXPORTER_ROLE, password=password).returncode == 0


def test_the_exporter_role_signs_in_with_its_password_and_may_only_monitor(database: URL) -> None:
    assert signs_in(database, EXPORTER_PASSWORD)
    assert not signs_in(database, "not-the-password")
    privileges = psql(
        database,
        "SELECT rolsuper, rolcreatedb, rolcreaterole,"
        " pg_has_role(current_user, 'pg_monitor', 'member')"
        " FROM pg_roles WHERE rolname = current_user",
        user=EXPORTER_ROLE,
        password=EXPORTER_PASSWORD,
    )
    assert privileges.returncode == 0, privileges.stderr
    assert privileges.stdout.strip() == "f|f|f|t"
    # Statistics yes, the application's data no.
    own_table = psql(database, "CREATE TABLE orders_copy (id int)", user=str(database.username))
    assert own_table.returncode == 0, own_table.stderr
    reading = psql(
        database, "SELECT * FROM orders_copy", user=EXPORTER_ROLE, password=EXPORTER_PASSWORD
    )
    assert reading.returncode != 0
    assert "permission denied" in reading.stderr


def test_running_the_role_script_again_sets_the_new_password(database: URL) -> None:
    try:
        again = run_exporter_role_script(database, "a-rotated-password")
        assert again.returncode == 0, again.stderr
        assert signs_in(database, "a-rotated-password")
        assert not signs_in(database, EXPORTER_PASSWORD)
    finally:
        run_exporter_role_script(database, EXPORTER_PASSWORD)


def test_the_role_script_refuses_to_run_without_a_password(database: URL) -> None:
    refused = run_exporter_role_script(database, "")
    assert refused.returncode != 0
    assert "POSTGRES_EXPORTER_PASSWORD" in refused.stderr
    assert signs_in(database, EXPORTER_PASSWORD)


def test_the_role_script_runs_in_the_image_entrypoint_and_is_shellcheck_clean() -> None:
    # The official entrypoint runs an executable *.sh and sources any other one.
    assert os.access(EXPORTER_ROLE_SCRIPT, os.X_OK)
    assert SHELLCHECK.is_file(), f"{SHELLCHECK} is missing: {TOOLS_HINT}"
    checked = subprocess.run(
        [str(SHELLCHECK), str(EXPORTER_ROLE_SCRIPT)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout


def test_the_readme_slow_query_command_lists_the_slowest_statements_first(
    database: URL, tmp_path: Path
) -> None:
    slow = psql(database, "SELECT pg_sleep(0.3)", user=str(database.username))
    assert slow.returncode == 0, slow.stderr
    toolbox = Toolbox(tmp_path / "tools")
    toolbox.state = {"containers": [database_container(database, "order_system_db_prod")]}
    toolbox.save()
    command = doc_block("slow-queries")
    # Twice: the extension is created by the first run and left as it is by the second.
    for _ in range(2):
        shown = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", command],
            env=toolbox.env(),
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert shown.returncode == 0, shown.stderr
        lines = shown.stdout.splitlines()
        header = next(index for index, line in enumerate(lines) if "total_ms" in line)
        for column in ("calls", "mean_ms", "percent", "query"):
            assert column in lines[header], lines[header]
        slowest = lines[header + 2]  # after the header's underline
        assert "pg_sleep" in slowest, shown.stdout
    assert [call[:2] for call in toolbox.calls()] == [["exec", "-i"]] * 2
