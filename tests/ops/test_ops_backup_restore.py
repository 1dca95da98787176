"""backup.sh and restore.sh against a real PostgreSQL: a dump of the demo data comes back row
for row into a wiped database; a damaged dump is caught before it is kept or restored;
retention deletes only expired backups; restore asks first, and refuses when it cannot ask.

Plain `def` tests: the app's CLI and the fingerprints run `asyncio.run` themselves."""

import os
import pty
import re
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ops_support import (
    PG_BIN,
    Outcome,
    Toolbox,
    assert_usage_error,
    container,
    copy_of_scripts,
    database_container,
    db_env,
    execute,
    fingerprint,
    give_to,
    new_database,
    plain,
    run_ok,
    run_script,
    seed,
    shared_directory,
    unprivileged_user,
    wipe,
)
from sqlalchemy.engine import URL

DAY = 86400
BACKUP_NAME = re.compile(r"order_system_\d{8}_\d{6}\.dump")
# Someone other than root and nobody: the operator who made the backup directory.
OPERATOR = 4242


@pytest.fixture(scope="module")
def seeded(database_url: URL, tmp_path_factory: pytest.TempPathFactory) -> Iterator[URL]:
    """Migrated by `python -m app.prestart` and filled by `python -m app.cli seed-demo`, once."""
    with new_database(database_url) as url:
        seed(url, tmp_path_factory.mktemp("seed"))
        yield url


@pytest.fixture
def database(database_url: URL, seeded: URL) -> Iterator[URL]:
    """A database of the test's own with the demo data (a copy of `seeded`): 21 users (the
    superuser too), 50 products, 200 orders."""
    with new_database(database_url, template=seeded.database) as url:
        yield url


def _backups(directory: Path) -> list[Path]:
    return sorted(path for path in directory.iterdir() if BACKUP_NAME.fullmatch(path.name))


def _backup(env: dict[str, str], directory: Path, *args: str) -> Path:
    """backup.sh into `directory`, which must then hold exactly one new, valid dump."""
    before = set(directory.iterdir()) if directory.exists() else set()
    outcome = run_ok("backup.sh", "--output-dir", str(directory), *args, env=env)
    new = sorted(set(directory.iterdir()) - before)
    assert len(new) == 1, new
    assert BACKUP_NAME.fullmatch(new[0].name), new
    dump = new[0]
    assert f"Backup written: {dump} (" in outcome.stdout
    assert stat.S_IMODE(dump.stat().st_mode) == 0o640, "its owner and group read it, no one else"
    listing = subprocess.run(
        [str(PG_BIN / "pg_restore"), "--list", str(dump)], capture_output=True, text=True
    )
    assert listing.returncode == 0, listing.stderr
    assert "TABLE DATA public orders" in listing.stdout
    return dump


def _restore(env: dict[str, str], *args: str) -> Outcome:
    return run_script("restore.sh", *args, env=env)


def _assert_counts(outcome: Outcome, users: int = 21) -> None:
    for table, count in (("users", users), ("products", 50), ("orders", 200)):
        assert re.search(rf"^  {table} +{count}$", outcome.stdout, re.MULTILINE), outcome.stdout
    assert re.search(r"^  order_items +\d+$", outcome.stdout, re.MULTILINE), outcome.stdout


# --- The round trip ------------------------------------------------------------------------


def test_a_backup_restores_every_row_into_a_wiped_database(database: URL, tmp_path: Path) -> None:
    toolbox = Toolbox(tmp_path / "tools", docker=False)
    env = db_env(toolbox, database)
    before = fingerprint(database)
    assert before["products"][0] == 50
    assert before["orders"][0] == 200
    assert before["users"][0] == 21

    dump = _backup(env, tmp_path / "backups")
    assert os.listdir(tmp_path / "backups") == [dump.name]  # no temporary file left behind

    wipe(database)
    assert fingerprint(database) == {}

    outcome = _restore(env, "--yes", str(dump))

    assert outcome.code == 0, outcome.output
    assert fingerprint(database) == before
    _assert_counts(outcome)
    assert "docker not found: not stopping a backend" in outcome.stdout

    # Over the data it came from, too: --clean replaces every object, nothing doubles.
    execute(database, "DELETE FROM order_items", "DELETE FROM order_status_history")
    assert _restore(env, "--yes", str(dump)).code == 0
    assert fingerprint(database) == before


def test_latest_is_the_newest_of_the_scripts_own_backups(database: URL, tmp_path: Path) -> None:
    toolbox = Toolbox(tmp_path / "tools", docker=False)
    env = db_env(toolbox, database)
    backups = tmp_path / "backups"
    dump = _backup(env, backups)
    before = fingerprint(database)
    # Older by name, or not named like a backup at all: none of these may be picked.
    (backups / "order_system_20000101_000000.dump").write_bytes(b"an old, broken dump")
    (backups / "order_system_manual.dump").write_bytes(b"not mine")
    (backups / "zz_order_system_99999999_999999.dump").write_bytes(b"not mine either")
    wipe(database)

    outcome = _restore(env, "--yes", "--backup-dir", str(backups), "latest")

    assert outcome.code == 0, outcome.output
    assert f"Checking {dump}" in outcome.stdout
    assert fingerprint(database) == before


def test_the_password_in_database_url_is_never_shown(database: URL, tmp_path: Path) -> None:
    # The test server trusts local connections, so any password connects; none may be shown.
    url = plain(database).replace("postgres:@", "postgres:hunter2%40secret@")
    toolbox = Toolbox(tmp_path / "tools", docker=False)
    env = toolbox.env(DATABASE_URL=url, PG_BIN=str(PG_BIN))

    backup = run_ok("backup.sh", "--output-dir", str(tmp_path / "b"), env=env)
    restore = run_ok("restore.sh", "--yes", "--backup-dir", str(tmp_path / "b"), "latest", env=env)

    for outcome in (backup, restore):
        assert "hunter2" not in outcome.output
        assert "postgres:***@" in outcome.stdout


def test_backup_and_restore_inside_the_database_container(database: URL, tmp_path: Path) -> None:
    """--container: pg_dump and pg_restore run through `docker exec` (here a stand-in that runs
    them on this machine); no PostgreSQL program, DATABASE_URL or password on the host side."""
    toolbox = Toolbox(tmp_path / "tools")
    toolbox.state = {
        "containers": [
            database_container(database, "order_system_db_prod"),
            container("order_system_backend_prod"),
        ]
    }
    toolbox.save()
    env = toolbox.env()
    before = fingerprint(database)

    dump = _backup(env, tmp_path / "backups", "--container", "order_system_db_prod")
    dump_calls = [call for call in toolbox.calls() if call[0] == "exec"]
    assert [call[:3] for call in dump_calls] == [
        ["exec", "order_system_db_prod", "sh"],
        ["exec", "-i", "order_system_db_prod"],
        ["exec", "-i", "order_system_db_prod"],
    ]
    assert "pg_dump --format=custom" in dump_calls[0][-1]
    assert dump_calls[1][3:] == ["pg_restore", "--list"]
    assert dump_calls[2][3:] == ["pg_restore", "--file=/dev/null"]

    wipe(database)
    outcome = _restore(
        env,
        "--yes",
        "--container",
        "order_system_db_prod",
        "--backup-dir",
        str(dump.parent),
        "latest",
    )

    assert outcome.code == 0, outcome.output
    assert fingerprint(database) == before
    _assert_counts(outcome)
    # The production backend is derived from the production database's name.
    calls = toolbox.calls()
    assert ["stop", "order_system_backend_prod"] in calls
    assert calls.index(["stop", "order_system_backend_prod"]) < calls.index(
        ["start", "order_system_backend_prod"]
    )


def test_backup_reads_the_pg_variables_and_tools_from_path(database: URL, tmp_path: Path) -> None:
    """As the production Compose file's backup service runs it: PG* variables, no URL, the
    PostgreSQL programs on PATH."""
    toolbox = Toolbox(tmp_path / "tools", docker=False)
    for program in ("pg_dump", "pg_restore"):
        toolbox.link(program, PG_BIN / program)
    env = toolbox.env(
        PGHOST=str(dict(database.query)["host"]),
        PGUSER=database.username or "postgres",
        PGDATABASE=database.database or "",
    )

    _backup(env, tmp_path / "backups", "--retention-days", "14")


def test_backup_runs_on_busybox_as_the_compose_backup_service_runs_it(
    database: URL, tmp_path: Path
) -> None:
    """docker-compose.production.yml's `backup` service runs this script in postgres:18.6-alpine:
    bash, busybox's find, stat, sort and date (no numfmt), PG* variables, PostgreSQL's
    programs on PATH, `--output-dir /backups --retention-days N`."""
    toolbox = Toolbox(tmp_path / "tools", docker=False, busybox=True)
    assert (toolbox.bin / "find").resolve().name == "busybox"
    assert not (toolbox.bin / "numfmt").exists()
    for program in ("pg_dump", "pg_restore"):
        toolbox.link(program, PG_BIN / program)
    backups = tmp_path / "backups"
    backups.mkdir()
    os.chown(backups, OPERATOR, OPERATOR)  # the bind-mounted ./backups of the operator
    expired = backups / "order_system_20200101_000000.dump"
    expired.write_bytes(b"old")
    os.utime(expired, (time.time() - 30 * DAY,) * 2)
    env = toolbox.env(
        PGHOST=str(dict(database.query)["host"]),
        PGUSER=database.username or "postgres",
        PGDATABASE=database.database or "",
    )

    dump = _backup(env, backups, "--retention-days", "14")

    assert not expired.exists()
    assert os.listdir(backups) == [dump.name]
    assert (dump.stat().st_uid, dump.stat().st_gid) == (OPERATOR, OPERATOR)


# --- Where the backups go, and whose they are ----------------------------------------------


def test_the_backup_directory_is_the_repositorys_wherever_the_scripts_run_from(
    database: URL, tmp_path: Path
) -> None:
    """`./scripts/restore.sh latest` from cloud-deployment/ (seed 002's form) finds what
    `./scripts/backup.sh` wrote: both default to the repository's backups/, not the cwd's."""
    repository = tmp_path / "repository"
    copy_of_scripts(repository)
    toolbox = Toolbox(tmp_path / "tools", docker=False)
    env = db_env(toolbox, database)
    here = repository / "cloud-deployment"
    scripts = Path("scripts")  # ./scripts/...
    before = fingerprint(database)

    run_ok("backup.sh", env=env, cwd=here, scripts=scripts)

    [dump] = _backups(repository / "backups")
    assert not (here / "backups").exists()
    wipe(database)
    outcome = run_ok("restore.sh", "--yes", "latest", env=env, cwd=here, scripts=scripts)
    assert f"Checking {dump}" in outcome.stdout
    assert fingerprint(database) == before

    # $BACKUP_DIR still comes first.
    elsewhere = tmp_path / "elsewhere"
    run_ok("backup.sh", env={**env, "BACKUP_DIR": str(elsewhere)}, cwd=here, scripts=scripts)
    assert len(_backups(elsewhere)) == 1
    assert _backups(repository / "backups") == [dump]


def test_a_backup_made_by_root_belongs_to_the_owner_of_the_directory(
    database: URL, tmp_path: Path
) -> None:
    """As the production backup service runs it (root, into the operator's ./backups): the
    operator must be able to read and copy the dumps off the host."""
    assert os.geteuid() == 0, "this test runs backup.sh as root: run tests/ops as root"
    toolbox = Toolbox(tmp_path / "tools", docker=False)
    backups = tmp_path / "backups"
    backups.mkdir()
    os.chown(backups, OPERATOR, OPERATOR)

    dump = _backup(db_env(toolbox, database), backups)

    assert (dump.stat().st_uid, dump.stat().st_gid) == (OPERATOR, OPERATOR)


def test_a_backup_made_by_another_user_stays_theirs_and_is_group_readable(
    database: URL, tmp_path: Path
) -> None:
    """Not root: the dump stays its maker's (no chown is tried), mode 0640 all the same."""
    user = unprivileged_user()
    made_by_root = _backup(db_env(Toolbox(tmp_path / "tools", docker=False), database), tmp_path)
    with shared_directory() as root:
        # nobody cannot reach the test's database: a pg_dump that writes a real dump instead.
        canned = root / "canned.dump"
        shutil.copyfile(made_by_root, canned)
        pg_bin = root / "pg_bin"
        pg_bin.mkdir()
        (pg_bin / "pg_restore").symlink_to(PG_BIN / "pg_restore")
        (pg_bin / "pg_dump").write_text(
            "#!/bin/bash\nset -euo pipefail\nfor arg; do\n"
            f'\tcase $arg in --file=*) cp -- "{canned}" "${{arg#--file=}}" ;; esac\ndone\n'
        )
        (pg_bin / "pg_dump").chmod(0o755)
        toolbox = Toolbox(root / "tools", docker=False)
        give_to(toolbox.root, user)
        backups = root / "backups"
        backups.mkdir(mode=0o777)
        backups.chmod(0o777)  # whatever the umask
        os.chown(backups, OPERATOR, OPERATOR)
        env = toolbox.env(DATABASE_URL=plain(database), PG_BIN=str(pg_bin))

        outcome = run_ok("backup.sh", "--output-dir", str(backups), env=env, user=user)

        [dump] = _backups(backups)
        assert (dump.stat().st_uid, dump.stat().st_gid) == (user.pw_uid, user.pw_gid)
        assert stat.S_IMODE(dump.stat().st_mode) == 0o640
        assert outcome.stderr == ""


# --- Damaged dumps -------------------------------------------------------------------------


def test_a_dump_that_does_not_read_back_is_deleted_and_the_backup_fails(
    database: URL, tmp_path: Path
) -> None:
    # A pg_dump that loses the last bytes of what it writes (a full disk, a dying pipe).
    pg_bin = tmp_path / "pg_bin"
    pg_bin.mkdir()
    for program in ("pg_restore", "psql"):
        (pg_bin / program).symlink_to(PG_BIN / program)
    (pg_bin / "pg_dump").write_text(
        "#!/bin/bash\nset -euo pipefail\n"
        f'"{PG_BIN}/pg_dump" "$@"\n'
        "for arg; do [[ $arg == --file=* ]] && file=${arg#--file=}; done\n"
        'truncate --size=-100 "$file"\n'
    )
    (pg_bin / "pg_dump").chmod(0o755)
    toolbox = Toolbox(tmp_path / "tools", docker=False)
    env = toolbox.env(DATABASE_URL=plain(database), PG_BIN=str(pg_bin))
    backups = tmp_path / "backups"
    backups.mkdir()
    expired = backups / "order_system_20200101_000000.dump"
    expired.write_bytes(b"old")
    os.utime(expired, (time.time() - 30 * DAY,) * 2)

    outcome = run_script(
        "backup.sh", "--output-dir", str(backups), "--retention-days", "7", env=env
    )

    assert outcome.code == 1, outcome.output
    assert "integrity check failed" in outcome.stderr
    # Nothing new under any name, and no retention after a failure.
    assert os.listdir(backups) == [expired.name]


def test_restore_refuses_a_truncated_dump_and_changes_nothing(
    database: URL, tmp_path: Path
) -> None:
    toolbox = Toolbox(tmp_path / "tools", docker=False)
    env = db_env(toolbox, database)
    dump = _backup(env, tmp_path / "backups")
    truncated = tmp_path / "truncated.dump"
    truncated.write_bytes(dump.read_bytes()[:-100])
    before = fingerprint(database)

    for broken in (truncated, tmp_path / "missing.dump"):
        outcome = _restore(env, "--yes", str(broken))
        assert outcome.code == 1, outcome.output
    assert (
        "is not a complete pg_dump archive; nothing was changed"
        in _restore(env, "--yes", str(truncated)).stderr
    )
    assert fingerprint(database) == before


# --- Retention -----------------------------------------------------------------------------


def test_retention_deletes_only_this_scripts_expired_backups(
    scratch_database_url: URL, tmp_path: Path
) -> None:
    backups = tmp_path / "backups"
    (backups / "archive").mkdir(parents=True)
    ages = {
        "order_system_20240101_000000.dump": 10,  # expired
        "order_system_20240103_000000.dump": 8,  # expired
        "order_system_20240110_000000.dump": 6,  # kept: younger than 7 days
        "order_system_manual.dump": 30,  # not a name backup.sh writes
        "other_20240101_000000.dump": 30,
        "notes.txt": 30,
        "archive/order_system_20230101_000000.dump": 30,  # not in the directory itself
    }
    for name, days in ages.items():
        path = backups / name
        path.write_bytes(b"x")
        os.utime(path, (time.time() - days * DAY,) * 2)
    toolbox = Toolbox(tmp_path / "tools", docker=False)

    outcome = run_ok(
        "backup.sh", "--output-dir", str(backups), "--retention-days", "7",
        env=db_env(toolbox, scratch_database_url),
    )  # fmt: skip

    kept = sorted(str(path.relative_to(backups)) for path in backups.rglob("*") if path.is_file())
    new = [name for name in kept if name not in ages]
    assert len(new) == 1, kept
    assert BACKUP_NAME.fullmatch(new[0]), kept
    assert sorted(set(kept) - set(new)) == sorted(set(ages) - {
        "order_system_20240101_000000.dump", "order_system_20240103_000000.dump"
    })  # fmt: skip
    assert f"deleted {backups}/order_system_20240101_000000.dump" in outcome.stdout
    assert "2 deleted" in outcome.stdout


# --- Asking first --------------------------------------------------------------------------


def test_restore_without_yes_and_without_a_terminal_refuses(database: URL, tmp_path: Path) -> None:
    toolbox = Toolbox(tmp_path / "tools")
    toolbox.state = {"containers": [container("order_system_backend")]}
    toolbox.save()
    env = db_env(toolbox, database)
    dump = _backup(env, tmp_path / "backups")
    execute(database, "DELETE FROM order_items WHERE id % 2 = 0")
    before = fingerprint(database)

    # No terminal at all; nor does a "yes" piped in count as one.
    refused = [_restore(env, str(dump))]
    piped = subprocess.run(
        [str(Path(__file__).parents[2] / "cloud-deployment/scripts/restore.sh"), str(dump)],
        input="yes\n", env=env, capture_output=True, text=True, start_new_session=True, timeout=300,
    )  # fmt: skip
    refused.append(Outcome(piped.returncode, piped.stdout, piped.stderr))

    for outcome in refused:
        assert outcome.code == 1, outcome.output
        assert "pass --yes to restore unattended; nothing was changed" in outcome.stderr
    assert fingerprint(database) == before
    assert not [call for call in toolbox.calls() if call[0] in ("stop", "start")]


def _restore_at_a_terminal(env: dict[str, str], dump: Path, answer: str) -> Outcome:
    """restore.sh with a terminal (a pseudo-terminal) as stdin, on which `answer` is typed."""
    primary, secondary = pty.openpty()
    try:
        os.write(primary, answer.encode())
        process = subprocess.run(
            [str(Path(__file__).parents[2] / "cloud-deployment/scripts/restore.sh"), str(dump)],
            stdin=secondary, env=env, capture_output=True, text=True, start_new_session=True,
            timeout=300,
        )  # fmt: skip
    finally:
        os.close(primary)
        os.close(secondary)
    return Outcome(process.returncode, process.stdout, process.stderr)


def test_restore_at_a_terminal_goes_ahead_only_on_yes(database: URL, tmp_path: Path) -> None:
    toolbox = Toolbox(tmp_path / "tools", docker=False)
    env = db_env(toolbox, database)
    dump = _backup(env, tmp_path / "backups")
    original = fingerprint(database)
    execute(database, "DELETE FROM order_items WHERE id % 2 = 0")
    changed = fingerprint(database)

    for answer in ("no\n", "y\n", "\n"):
        outcome = _restore_at_a_terminal(env, dump, answer)
        assert outcome.code == 1, outcome.output
        assert "Type yes to go on" in outcome.stderr
        assert "not confirmed; nothing was changed" in outcome.stderr
        assert fingerprint(database) == changed

    outcome = _restore_at_a_terminal(env, dump, "yes\n")
    assert outcome.code == 0, outcome.output
    assert fingerprint(database) == original


# --- Nothing configured: the Compose stack's database ----------------------------------------


@pytest.mark.parametrize(
    ("present", "chosen", "backend"),
    [
        pytest.param(
            ("order_system_db_prod", "order_system_db"),
            "order_system_db_prod",
            "order_system_backend_prod",
            id="production-first",
        ),
        pytest.param(
            ("order_system_db",), "order_system_db", "order_system_backend", id="development"
        ),
    ],
)
def test_restore_latest_as_documented_restores_into_the_compose_database_container(
    database: URL, tmp_path: Path, present: tuple[str, ...], chosen: str, backend: str
) -> None:
    """docs/operations.md's `cloud-deployment/scripts/restore.sh latest`, from the repository
    root, with no DATABASE_URL, PG* or POSTGRES_* variable: production's database container
    when there is one, and the backend that goes with it."""
    repository = tmp_path / "repository"
    copy_of_scripts(repository)
    toolbox = Toolbox(tmp_path / "tools")
    _backup(db_env(toolbox, database), repository / "backups")
    containers: list[dict[str, Any]] = [
        database_container(database, name) if name == chosen else container(name)
        for name in present
    ]
    containers += [container("order_system_backend_prod"), container("order_system_backend")]
    toolbox.state = {"containers": containers}
    toolbox.save()
    before = fingerprint(database)
    wipe(database)

    outcome = run_script(
        "restore.sh", "--yes", "latest",
        env=toolbox.env(), cwd=repository, scripts=Path("cloud-deployment/scripts"),
    )  # fmt: skip

    assert outcome.code == 0, outcome.output
    assert (
        "No DATABASE_URL, PG* or POSTGRES_* set: "
        f"restoring into the Compose database container {chosen}\n"
    ) in outcome.stdout
    assert fingerprint(database) == before
    _assert_counts(outcome)
    calls = toolbox.calls()
    assert [call for call in calls if call[0] in ("stop", "start")] == [
        ["stop", backend],
        ["start", backend],
    ]
    execs = {call[1] if call[1] != "-i" else call[2] for call in calls if call[0] == "exec"}
    assert execs == {chosen}


@pytest.mark.parametrize("docker", [True, False])
def test_restore_with_nothing_configured_and_no_database_container_says_what_to_set(
    tmp_path: Path, docker: bool
) -> None:
    toolbox = Toolbox(tmp_path / "tools", docker=docker)
    toolbox.state = {"containers": [container("order_system_backend")]}
    toolbox.save()
    backups = tmp_path / "backups"
    backups.mkdir()
    (backups / "order_system_20260101_000000.dump").write_bytes(b"never read")

    outcome = _restore(toolbox.env(), "--yes", "--backup-dir", str(backups), "latest")

    assert outcome.code == 1, outcome.output
    assert outcome.stderr == (
        "restore.sh: error: no database given, and no order_system_db_prod or order_system_db "
        "container to restore into: set DATABASE_URL (or PGHOST/PGUSER/PGDATABASE), or pass "
        "--container NAME\n"
    )
    assert not [call for call in toolbox.calls() if call[0] != "container"]


# --- The backend ---------------------------------------------------------------------------


def test_restore_stops_the_running_backend_and_starts_it_again(
    database: URL, tmp_path: Path
) -> None:
    toolbox = Toolbox(tmp_path / "tools")
    toolbox.state = {"containers": [container("order_system_backend")]}
    toolbox.save()
    env = db_env(toolbox, database)
    dump = _backup(env, tmp_path / "backups")

    outcome = _restore(env, "--yes", str(dump))

    assert outcome.code == 0, outcome.output
    stops = [call for call in toolbox.calls() if call[0] in ("stop", "start")]
    assert stops == [["stop", "order_system_backend"], ["start", "order_system_backend"]]
    out = outcome.stdout
    assert out.index("Stopping order_system_backend") < out.index("Restore complete")
    assert out.index("Restore complete") < out.index("Starting order_system_backend again")

    # A restore that fails still starts the backend it stopped.
    env["DATABASE_URL"] = plain(database.set(database="no_such_database"))
    failed = _restore(env, "--yes", str(dump))
    assert failed.code == 1, failed.output
    assert "pg_restore failed" in failed.stderr
    stops = [call for call in toolbox.calls() if call[0] in ("stop", "start")]
    assert stops[2:] == [["stop", "order_system_backend"], ["start", "order_system_backend"]]


def _replica(name: str, project: str, service: str, *, running: bool = True) -> dict[str, Any]:
    """A container Compose made for a service scaled out (no fixed name), found by its labels."""
    labels = {"com.docker.compose.project": project, "com.docker.compose.service": service}
    return container(name, running=running, labels=labels)


def test_restore_stops_and_starts_every_backend_replica_by_its_compose_labels(
    database: URL, tmp_path: Path
) -> None:
    toolbox = Toolbox(tmp_path / "tools")
    dump = _backup(db_env(toolbox, database), tmp_path / "backups")
    toolbox.state = {
        "containers": [
            database_container(database, "order_system_db_prod"),
            _replica("order_system_prod-backend-1", "order_system_prod", "backend"),
            _replica("order_system_prod-backend-2", "order_system_prod", "backend"),
            _replica("order_system_prod-backend-3", "order_system_prod", "backend", running=False),
            _replica("order_system_prod-frontend-1", "order_system_prod", "frontend"),
            _replica("order_system-backend-1", "order_system", "backend"),
        ]
    }
    toolbox.save()
    env = toolbox.env()

    outcome = _restore(env, "--yes", str(dump))

    assert outcome.code == 0, outcome.output
    replicas = ["order_system_prod-backend-1", "order_system_prod-backend-2"]
    assert [call for call in toolbox.calls() if call[0] in ("stop", "start")] == [
        ["stop", *replicas],
        ["start", *replicas],
    ]
    out = outcome.stdout
    assert out.index(f"Stopping {' '.join(replicas)} while") < out.index("Restore complete")
    assert out.index("Restore complete") < out.index(f"Starting {' '.join(replicas)} again")

    # --backend-container names the one to stop: no Compose labels then.
    toolbox.calls_file.unlink()
    outcome = _restore(env, "--yes", "--backend-container", "order_system_api", str(dump))
    assert outcome.code == 0, outcome.output
    assert "No running order_system_api container: nothing to stop" in outcome.stdout
    assert not [call for call in toolbox.calls() if call[0] in ("stop", "start")]
    assert not [call for call in toolbox.calls() if call[:2] == ["container", "ls"]]


def test_restore_leaves_a_stopped_backend_alone(database: URL, tmp_path: Path) -> None:
    toolbox = Toolbox(tmp_path / "tools")
    toolbox.state = {"containers": [container("order_system_backend", running=False)]}
    toolbox.save()
    env = db_env(toolbox, database)
    dump = _backup(env, tmp_path / "backups")

    outcome = run_ok("restore.sh", "--yes", str(dump), env=env)

    assert "No running order_system_backend container: nothing to stop" in outcome.stdout
    assert not [call for call in toolbox.calls() if call[0] in ("stop", "start")]


# --- Refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("script", "args", "message"),
    [
        ("backup.sh", ["--retention-days"], "--retention-days needs a value"),
        ("backup.sh", ["--retention-days", "0"], "--retention-days must be a whole number of days"),
        ("backup.sh", ["--retention-days", "week"], "--retention-days must be a whole number"),
        ("backup.sh", ["--output-dir"], "--output-dir needs a value"),
        ("backup.sh", ["--container"], "--container needs a value"),
        ("backup.sh", ["extra"], "unknown argument: extra"),
        ("restore.sh", [], "which backup? Give latest or a FILE"),
        ("restore.sh", ["a.dump", "b.dump"], "one backup at a time"),
        ("restore.sh", ["--backup-dir"], "--backup-dir needs a value"),
        ("restore.sh", ["--yes", "--backup-dir", "/nonexistent", "latest"], "no backup directory"),
        ("restore.sh", ["--yes", "/nonexistent/x.dump"], "cannot read /nonexistent/x.dump"),
    ],
)
def test_a_bad_invocation_is_refused(
    script: str, args: list[str], message: str, tmp_path: Path
) -> None:
    toolbox = Toolbox(tmp_path, docker=False)
    outcome = run_script(script, *args, env=toolbox.env(PG_BIN=str(PG_BIN)))
    assert_usage_error(outcome, f"{script}: error: {message}")


def test_without_a_database_backup_says_what_to_set(tmp_path: Path) -> None:
    toolbox = Toolbox(tmp_path, docker=False)
    outcome = run_script("backup.sh", env=toolbox.env(PG_BIN=str(PG_BIN)))
    assert_usage_error(outcome, "no database given: set DATABASE_URL")

    empty = tmp_path / "empty"
    empty.mkdir()
    outcome = run_script("restore.sh", "--backup-dir", str(empty), "latest", env=toolbox.env())
    assert_usage_error(outcome, "no backups (order_system_YYYYmmdd_HHMMSS.dump) in")
