"""backup.sh --offsite and restore.sh --offsite against a real S3-compatible server (moto's, on
127.0.0.1), real age and rclone, and a real PostgreSQL: the dump, the .env and the
certificates go up encrypted and come back on a "new host" row for row; the object is
ciphertext; retention prunes both places and nothing else; a failed upload shows in the
metrics node-exporter reads and in the exit code.

Plain `def` tests: the app's CLI and the fingerprints run `asyncio.run` themselves."""

import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from ops_support import (
    PG_BIN,
    Outcome,
    Toolbox,
    assert_usage_error,
    db_env,
    fingerprint,
    new_database,
    run_ok,
    run_script,
    seed,
    tree_digest,
)
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import URL

from devtools.age_identity import new_age_identity
from devtools.local_s3 import SECRET_ACCESS_KEY, LocalS3, local_s3

DAY = 86400
PREFIX = "order_system"
ARCHIVE_NAME = re.compile(r"order_system_\d{8}_\d{6}\.tar\.age")
# In the .env packed off-site: it must never be readable there without the identity.
ENV_SECRET = "SECRET_KEY=9f2c-only-in-the-encrypted-set-71d4"
# The tools backup.sh --offsite and restore.sh --offsite run, besides the usual ones.
OFFSITE_TOOLS = ("age", "rclone", "tar", "ln")


def _binary(name: str) -> str:
    found = shutil.which(name)
    assert found, f"{name} is not installed: apt-get install {name} (`make system-deps`)"
    return found


@pytest.fixture(scope="module")
def s3() -> Iterator[LocalS3]:
    for tool in ("age", "age-keygen", "rclone"):
        _binary(tool)
    with local_s3() as server:
        yield server


@pytest.fixture(scope="module")
def seeded(database_url: URL, tmp_path_factory: pytest.TempPathFactory) -> Iterator[URL]:
    with new_database(database_url) as url:
        seed(url, tmp_path_factory.mktemp("seed"), products=20, orders=60, users=8)
        yield url


@pytest.fixture
def database(database_url: URL, seeded: URL) -> Iterator[URL]:
    with new_database(database_url, template=seeded.database) as url:
        yield url


@pytest.fixture
def bucket(s3: LocalS3) -> Iterator[LocalS3]:
    """The bucket, emptied after the test."""
    yield s3
    client = s3.client()
    for key in s3.object_keys():
        client.delete_object(Bucket=s3.bucket, Key=key)


@dataclass
class Host:
    """The production host: the repository's .env and nginx/ssl/, the backups directory, the
    metrics file, and the public key of the operator's age identity (kept elsewhere)."""

    root: Path
    identity: Path
    recipient: str

    @property
    def env_file(self) -> Path:
        return self.root / ".env"

    @property
    def certs(self) -> Path:
        return self.root / "nginx" / "ssl"

    @property
    def backups(self) -> Path:
        return self.root / "backups"

    @property
    def metrics(self) -> Path:
        return self.root / "backups" / "metrics" / "order_system_backup.prom"


@pytest.fixture
def host(tmp_path: Path) -> Host:
    identity, recipient = new_age_identity(tmp_path)
    root = tmp_path / "srv"
    (root / "nginx" / "ssl" / "live").mkdir(parents=True)
    (root / ".env").write_text(f"POSTGRES_PASSWORD=dbpass\n{ENV_SECRET}\n")
    (root / "nginx" / "ssl" / "live" / "fullchain.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    (root / "nginx" / "ssl" / "live" / "privkey.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    return Host(root=root, identity=identity, recipient=recipient)


def _env(toolbox: Toolbox, url: URL, s3: LocalS3, **extra: str) -> dict[str, str]:
    return db_env(toolbox, url, **s3.settings(PREFIX), **extra)


def _toolbox(tmp_path: Path) -> Toolbox:
    return Toolbox(tmp_path / "tools", docker=False, extra=OFFSITE_TOOLS)


def _backup(env: dict[str, str], host: Host, *args: str) -> Outcome:
    return run_script(
        "backup.sh", "--offsite",
        "--output-dir", str(host.backups),
        "--env-file", str(host.env_file),
        "--certs-dir", str(host.certs),
        "--metrics-file", str(host.metrics),
        *args,
        env=env,
    )  # fmt: skip


def _forget_dumps(host: Host) -> None:
    """Deletes the local dumps, so that a backup within the same second can take the name."""
    for dump in host.backups.glob("order_system_*.dump"):
        dump.unlink()


def _metrics(path: Path) -> dict[tuple[str, str], float]:
    """(metric name, kind) -> value, as Prometheus parses the file."""
    values: dict[tuple[str, str], float] = {}
    for family in text_string_to_metric_families(path.read_text()):
        assert family.type == "gauge", family
        for sample in family.samples:
            values[(sample.name, sample.labels["kind"])] = sample.value
    return values


def _assert_secrets_not_shown(*outcomes: Outcome) -> None:
    for outcome in outcomes:
        assert SECRET_ACCESS_KEY not in outcome.output
        assert ENV_SECRET not in outcome.output


# --- The round trip ------------------------------------------------------------------------


def test_an_offsite_backup_comes_back_row_for_row_with_its_env_and_certificates(
    database: URL, database_url: URL, bucket: LocalS3, host: Host, tmp_path: Path
) -> None:
    toolbox = _toolbox(tmp_path)
    before = fingerprint(database)
    certificates = tree_digest(host.certs)
    env_bytes = host.env_file.read_bytes()

    backup = _backup(_env(toolbox, database, bucket, BACKUP_AGE_RECIPIENTS=host.recipient), host)

    assert backup.code == 0, backup.output
    [key] = bucket.object_keys()
    assert key.startswith(f"{PREFIX}/")
    assert ARCHIVE_NAME.fullmatch(key.removeprefix(f"{PREFIX}/")), key
    # Only the dump stays on the host; the archive was uploaded, not kept.
    [dump] = [path for path in host.backups.iterdir() if path.is_file()]
    assert dump.name == key.removeprefix(f"{PREFIX}/").replace(".tar.age", ".dump")

    # The host is lost: every local copy with it. A new database on a new host.
    shutil.rmtree(host.backups)
    extract_to = tmp_path / "new-host" / "restored"
    with new_database(database_url) as fresh:
        assert fingerprint(fresh) == {}
        restore = run_script(
            "restore.sh", "--offsite", "--yes",
            "--identity", str(host.identity),
            "--extract-to", str(extract_to),
            "latest",
            env=_env(toolbox, fresh, bucket),
        )  # fmt: skip

        assert restore.code == 0, restore.output
        assert fingerprint(fresh) == before

    assert (extract_to / ".env").read_bytes() == env_bytes
    assert tree_digest(extract_to / "nginx" / "ssl") == certificates
    assert f"are in {extract_to}" in restore.stdout
    assert host.env_file.read_bytes() == env_bytes, "the live .env is never touched"
    _assert_secrets_not_shown(backup, restore)


def test_on_a_new_host_extract_only_unpacks_first_then_the_dump_restores(
    database: URL, database_url: URL, bucket: LocalS3, host: Host, tmp_path: Path
) -> None:
    """The documented new-host order: the .env must be in place before the database starts,
    so --extract-only unpacks and stops; the unpacked dump is then restored as any dump."""
    toolbox = _toolbox(tmp_path)
    before = fingerprint(database)
    assert (
        _backup(_env(toolbox, database, bucket, BACKUP_AGE_RECIPIENTS=host.recipient), host).code
        == 0
    )
    extract_to = tmp_path / "restored"

    with new_database(database_url) as fresh:
        env = _env(toolbox, fresh, bucket)
        unpacked = run_ok(
            "restore.sh", "--offsite", "--extract-only",
            "--identity", str(host.identity), "--extract-to", str(extract_to), "latest",
            env=env,
        )  # fmt: skip
        assert fingerprint(fresh) == {}, "the database is not touched"
        [dump] = extract_to.glob("order_system_*.dump")
        assert f"Its dump: {dump}" in unpacked.stdout
        assert (extract_to / ".env").read_bytes() == host.env_file.read_bytes()

        run_ok("restore.sh", "--yes", str(dump), env=env)
        assert fingerprint(fresh) == before


def test_the_offsite_object_is_age_ciphertext_that_only_the_identity_opens(
    database: URL, bucket: LocalS3, host: Host, tmp_path: Path
) -> None:
    toolbox = _toolbox(tmp_path)
    backup = _backup(_env(toolbox, database, bucket, BACKUP_AGE_RECIPIENTS=host.recipient), host)
    assert backup.code == 0, backup.output
    [key] = bucket.object_keys()
    body = bucket.read(key)

    assert body.startswith(b"age-encryption.org/v1\n")
    assert ENV_SECRET.encode() not in body
    assert b"BEGIN PRIVATE KEY" not in body
    assert b"order_items" not in body  # not even the dump's table of contents

    stranger, _ = new_age_identity(tmp_path / "stranger")
    extract_to = tmp_path / "restored"
    before = fingerprint(database)
    refused = run_script(
        "restore.sh", "--offsite", "--yes",
        "--identity", str(stranger),
        "--extract-to", str(extract_to),
        key.removeprefix(f"{PREFIX}/"),
        env=_env(toolbox, database, bucket),
    )  # fmt: skip

    assert refused.code == 1, refused.output
    assert "could not download, decrypt or unpack" in refused.stderr
    assert "no identity matched any of the recipients" in refused.stderr  # age's own word
    assert not extract_to.exists()
    assert fingerprint(database) == before


# --- Retention -----------------------------------------------------------------------------


def test_retention_deletes_old_backups_in_both_places_and_nothing_else(
    database: URL, bucket: LocalS3, host: Host, tmp_path: Path
) -> None:
    toolbox = _toolbox(tmp_path)
    host.backups.mkdir()
    recent_stamp = time.strftime("%Y%m%d_%H%M%S", time.gmtime(time.time() - 2 * DAY))
    kept_remote = {
        f"{PREFIX}/order_system_{recent_stamp}.tar.age",  # younger than 7 days
        f"{PREFIX}/order_system_manual.tar.age",  # not named by the script
        f"{PREFIX}/order_system_20000101_000000.dump",  # not an archive
        f"{PREFIX}/notes/order_system_20000101_000000.tar.age",  # in a folder of its own
        "elsewhere/order_system_20000101_000000.tar.age",  # outside the prefix
    }
    expired_remote = {
        f"{PREFIX}/order_system_20000101_000000.tar.age",
        f"{PREFIX}/order_system_20250102_030405.tar.age",
    }
    for key in kept_remote | expired_remote:
        bucket.write(key, b"an archive of long ago")
    expired_local = host.backups / "order_system_20000101_000000.dump"
    kept_local = host.backups / "order_system_manual.dump"
    for path in (expired_local, kept_local):
        path.write_bytes(b"old")
        os.utime(path, (time.time() - 30 * DAY,) * 2)

    outcome = _backup(
        _env(toolbox, database, bucket, BACKUP_AGE_RECIPIENTS=host.recipient),
        host,
        "--retention-days", "7",
    )  # fmt: skip

    assert outcome.code == 0, outcome.output
    new = {key for key in bucket.object_keys() if key not in kept_remote}
    assert len(new) == 1, new
    assert ARCHIVE_NAME.fullmatch(new.pop().removeprefix(f"{PREFIX}/"))
    assert set(bucket.object_keys()) >= kept_remote
    assert not set(bucket.object_keys()) & expired_remote
    assert "2 deleted" in outcome.stdout
    assert not expired_local.exists()
    assert kept_local.exists()


def test_offsite_retention_has_its_own_setting(
    database: URL, bucket: LocalS3, host: Host, tmp_path: Path
) -> None:
    """BACKUP_S3_RETENTION_DAYS (in the .env) keeps archives longer than the local dumps."""
    toolbox = _toolbox(tmp_path)
    month_ago = time.strftime("%Y%m%d_%H%M%S", time.gmtime(time.time() - 30 * DAY))
    year_ago = time.strftime("%Y%m%d_%H%M%S", time.gmtime(time.time() - 400 * DAY))
    for stamp in (month_ago, year_ago):
        bucket.write(f"{PREFIX}/order_system_{stamp}.tar.age", b"old")
    with host.env_file.open("a") as env_file:
        env_file.write('BACKUP_S3_RETENTION_DAYS="90"  # a quarter\n')
        env_file.write(f"BACKUP_AGE_RECIPIENTS={host.recipient}\n")

    outcome = _backup(_env(toolbox, database, bucket), host, "--retention-days", "7")

    assert outcome.code == 0, outcome.output
    keys = bucket.object_keys()
    assert f"{PREFIX}/order_system_{month_ago}.tar.age" in keys
    assert f"{PREFIX}/order_system_{year_ago}.tar.age" not in keys


# --- Metrics -------------------------------------------------------------------------------


def test_the_metrics_file_says_when_and_how_big_for_each_kind(
    database: URL, bucket: LocalS3, host: Host, tmp_path: Path
) -> None:
    toolbox = _toolbox(tmp_path)
    local_only = db_env(toolbox, database, BACKUP_METRICS_FILE=str(host.metrics))

    # As the Compose backup service runs: a dump, and the local series only.
    run_ok("backup.sh", "--output-dir", str(host.backups), env=local_only)
    metrics = _metrics(host.metrics)
    [dump] = [path for path in host.backups.iterdir() if path.is_file()]
    ran_at = metrics[("order_system_backup_last_run_timestamp_seconds", "local")]
    # This run's time, not a stale or made-up one: no earlier than the dump it named.
    named_at = datetime.strptime(dump.name, "order_system_%Y%m%d_%H%M%S.dump")
    assert ran_at >= named_at.replace(tzinfo=UTC).timestamp()
    assert metrics == {
        ("order_system_backup_last_run_timestamp_seconds", "local"): ran_at,
        ("order_system_backup_last_run_success", "local"): 1,
        ("order_system_backup_last_success_timestamp_seconds", "local"): ran_at,
        ("order_system_backup_size_bytes", "local"): dump.stat().st_size,
    }
    promtool = subprocess.run(
        [_binary("promtool"), "check", "metrics"],
        input=host.metrics.read_text(),
        capture_output=True,
        text=True,
    )
    assert promtool.returncode == 0, promtool.stdout + promtool.stderr
    assert oct(host.metrics.stat().st_mode & 0o777) == oct(0o644), "node-exporter reads it"
    assert [path.name for path in host.metrics.parent.iterdir()] == [host.metrics.name]

    # The host's cron, off-site: both kinds; the offsite size is the object's.
    _forget_dumps(host)
    outcome = _backup(_env(toolbox, database, bucket, BACKUP_AGE_RECIPIENTS=host.recipient), host)
    assert outcome.code == 0, outcome.output
    [key] = bucket.object_keys()
    size = bucket.client().head_object(Bucket=bucket.bucket, Key=key)["ContentLength"]
    metrics = _metrics(host.metrics)
    assert metrics[("order_system_backup_last_run_success", "offsite")] == 1
    assert metrics[("order_system_backup_size_bytes", "offsite")] == size
    # This upload's time: no earlier than the local run before it.
    assert metrics[("order_system_backup_last_success_timestamp_seconds", "offsite")] >= ran_at

    # The Compose service's next dump leaves the offsite series as they were.
    offsite = {series: value for series, value in metrics.items() if series[1] == "offsite"}
    _forget_dumps(host)
    run_ok("backup.sh", "--output-dir", str(host.backups), env=local_only)
    after = _metrics(host.metrics)
    assert {series: value for series, value in after.items() if series[1] == "offsite"} == offsite


def test_the_compose_backup_service_writes_its_metrics_on_busybox(
    database: URL, host: Host, tmp_path: Path
) -> None:
    """postgres:18.6-alpine's bash and busybox (awk, date, mv), BACKUP_METRICS_FILE as the
    Compose file sets it, into a directory it makes readable for node-exporter; the
    offsite series the host's cron wrote stay as they were."""
    toolbox = Toolbox(tmp_path / "tools", docker=False, busybox=True)
    for program in ("pg_dump", "pg_restore"):
        toolbox.link(program, PG_BIN / program)
    cron_wrote = (
        "# TYPE order_system_backup_last_run_success gauge\n"
        'order_system_backup_last_run_success{kind="offsite"} 1\n'
        'order_system_backup_size_bytes{kind="offsite"} 12345\n'
    )
    metrics_dir = host.metrics.parent
    env = toolbox.env(
        PGHOST=str(dict(database.query)["host"]),
        PGUSER=database.username or "postgres",
        PGDATABASE=database.database or "",
        BACKUP_METRICS_FILE=str(host.metrics),
    )

    run_ok("backup.sh", "--output-dir", str(host.backups), env=env)
    assert oct(metrics_dir.stat().st_mode & 0o777) == oct(0o755), "node-exporter enters it"
    first = _metrics(host.metrics)
    assert first[("order_system_backup_last_run_success", "local")] == 1
    assert not [series for series in first if series[1] == "offsite"]

    host.metrics.write_text(cron_wrote)
    _forget_dumps(host)
    run_ok("backup.sh", "--output-dir", str(host.backups), env=env)

    metrics = _metrics(host.metrics)
    assert metrics[("order_system_backup_last_run_success", "local")] == 1
    assert metrics[("order_system_backup_last_run_success", "offsite")] == 1
    assert metrics[("order_system_backup_size_bytes", "offsite")] == 12345


def test_a_failed_upload_exits_non_zero_and_says_so_in_the_metrics(
    database: URL, bucket: LocalS3, host: Host, tmp_path: Path
) -> None:
    toolbox = _toolbox(tmp_path)
    env = _env(toolbox, database, bucket, BACKUP_AGE_RECIPIENTS=host.recipient)
    first = _backup(env, host)
    assert first.code == 0, first.output
    succeeded = _metrics(host.metrics)

    # The bucket is gone (or the keys lost their rights): the upload fails.
    _forget_dumps(host)
    failed = _backup({**env, "BACKUP_S3_BUCKET": "no-such-bucket"}, host)

    assert failed.code == 1, failed.output
    assert "upload to s3://no-such-bucket/order_system" in failed.stderr
    assert "failed; the local backup" in failed.stderr
    metrics = _metrics(host.metrics)
    assert metrics[("order_system_backup_last_run_success", "offsite")] == 0
    assert metrics[("order_system_backup_last_run_success", "local")] == 1
    # When the last good one was, and its size, stay: the alert says how old it is.
    for series in (
        ("order_system_backup_last_success_timestamp_seconds", "offsite"),
        ("order_system_backup_size_bytes", "offsite"),
    ):
        assert metrics[series] == succeeded[series]
    assert (
        metrics[("order_system_backup_last_run_timestamp_seconds", "offsite")]
        >= succeeded[("order_system_backup_last_run_timestamp_seconds", "offsite")]
    )
    # No partial archive or staging left, and the bucket holds only the first backup.
    assert sorted(path.name for path in host.backups.iterdir() if path.name.startswith(".")) == []
    assert len(bucket.object_keys()) == 1
    _assert_secrets_not_shown(first, failed)


def test_a_backup_that_cannot_start_still_records_a_failure(
    bucket: LocalS3, host: Host, tmp_path: Path
) -> None:
    toolbox = _toolbox(tmp_path)
    env = toolbox.env(**bucket.settings(PREFIX), BACKUP_AGE_RECIPIENTS=host.recipient)

    outcome = _backup(env, host)  # no database configured

    assert outcome.code == 1, outcome.output
    metrics = _metrics(host.metrics)
    assert metrics[("order_system_backup_last_run_success", "local")] == 0
    assert metrics[("order_system_backup_last_run_success", "offsite")] == 0
    assert ("order_system_backup_last_success_timestamp_seconds", "offsite") not in metrics
    assert bucket.object_keys() == []


# --- Refusals ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({}, "no one to encrypt to: set BACKUP_AGE_RECIPIENTS"),
        (
            {"BACKUP_AGE_RECIPIENTS": "AGE-SECRET-KEY-1QQQ"},
            "holds a private key: only the public key (age1...) belongs on the server",
        ),
        ({"BACKUP_S3_BUCKET": ""}, "BACKUP_S3_BUCKET is not set"),
        ({"BACKUP_S3_SECRET_ACCESS_KEY": ""}, "BACKUP_S3_SECRET_ACCESS_KEY is not set"),
    ],
)
def test_offsite_without_what_it_needs_is_refused_before_any_dump(
    settings: dict[str, str],
    message: str,
    database: URL,
    bucket: LocalS3,
    host: Host,
    tmp_path: Path,
) -> None:
    toolbox = _toolbox(tmp_path)
    outcome = _backup({**_env(toolbox, database, bucket), **settings}, host)

    assert_usage_error(outcome, message)
    assert not any(path.is_file() for path in host.backups.glob("*")), "no dump was made"
    assert bucket.object_keys() == []


def test_offsite_without_the_env_file_is_refused(host: Host, tmp_path: Path) -> None:
    toolbox = _toolbox(tmp_path)
    outcome = run_script(
        "backup.sh", "--offsite", "--env-file", str(tmp_path / "missing.env"), env=toolbox.env()
    )
    assert outcome.code == 2, outcome.output
    assert_usage_error(outcome, "the off-site archive holds the .env a restore needs")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--offsite", "latest"], "--offsite needs --identity FILE"),
        (["--offsite", "--identity", "/nonexistent", "latest"], "cannot read the identity file"),
    ],
)
def test_restore_offsite_without_an_identity_is_refused(
    args: list[str], message: str, tmp_path: Path
) -> None:
    toolbox = _toolbox(tmp_path)
    outcome = run_script("restore.sh", *args, env=toolbox.env())
    assert outcome.code == 2, outcome.output
    assert_usage_error(outcome, message)


def test_restore_offsite_never_unpacks_over_a_directory_in_use(
    bucket: LocalS3, host: Host, tmp_path: Path
) -> None:
    toolbox = _toolbox(tmp_path)
    occupied = tmp_path / "occupied"
    occupied.mkdir()
    (occupied / ".env").write_text("the live one\n")
    bucket.write(f"{PREFIX}/order_system_20260101_000000.tar.age", b"not opened")

    outcome = run_script(
        "restore.sh", "--offsite", "--identity", str(host.identity),
        "--extract-to", str(occupied), "latest",
        env=toolbox.env(**bucket.settings(PREFIX)),
    )  # fmt: skip

    assert outcome.code == 2, outcome.output
    assert_usage_error(outcome, "already exists and is not an empty directory")
    assert (occupied / ".env").read_text() == "the live one\n"
