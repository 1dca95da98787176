"""`pgbench -S` (primary-key selects) on the benchmark's PostgreSQL: the database's ceiling."""

import re
import subprocess
from dataclasses import dataclass

from sqlalchemy.engine import URL

from .stack import pg_bin

TPS = re.compile(r"^tps = ([\d.]+) \(without initial connection time\)", re.MULTILINE)
LATENCY = re.compile(r"^latency average = ([\d.]+) ms", re.MULTILINE)
FAILED = re.compile(r"^number of failed transactions: (\d+)", re.MULTILINE)


@dataclass(frozen=True)
class PgbenchResult:
    transactions_per_second: float
    latency_average_ms: float
    failed: int


def parse_pgbench_output(stdout: str) -> PgbenchResult:
    tps, latency = TPS.search(stdout), LATENCY.search(stdout)
    if tps is None or latency is None:
        raise RuntimeError(f"pgbench printed no result:\n{stdout}")
    failed = FAILED.search(stdout)
    return PgbenchResult(
        float(tps.group(1)), float(latency.group(1)), int(failed.group(1)) if failed else 0
    )


def _connection_arguments(url: URL) -> list[str]:
    host = url.query.get("host")
    assert isinstance(host, str), url
    return ["-h", host, "-U", url.username or "postgres"]


def initialise(url: URL, database: str, *, scale: int) -> None:
    subprocess.run(
        [
            str(pg_bin() / "pgbench"),
            "-i",
            "-q",
            f"--scale={scale}",
            *_connection_arguments(url),
            database,
        ],
        capture_output=True,
        check=True,
        timeout=600,
    )


def run_pgbench(
    url: URL, database: str, *, connections: int, threads: int, duration_s: float
) -> PgbenchResult:
    finished = subprocess.run(
        [
            str(pg_bin() / "pgbench"),
            "-S",
            f"--client={connections}",
            f"--jobs={threads}",
            f"--time={max(1, round(duration_s))}",
            *_connection_arguments(url),
            database,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=duration_s + 120,
    )
    return parse_pgbench_output(finished.stdout)
