"""`make bench` end to end on a tiny dataset with 1-second runs: every workload and ceiling
is measured against the real stack (PostgreSQL, uvicorn workers, nginx, wrk, pgbench) and
answers without a single error. Each ceiling answered its workload's first request as the
API did (the same JSON; for an order, the same order but for its id, number and times), or
the run would have stopped there. The figures themselves are not checked: speed is for the
benchmark's report, not for a test on a shared machine."""

import json
from pathlib import Path

from perf import bench
from perf.workloads import CEILINGS

EVERY_WORKLOAD = [
    "1", "2", "2c", "3", "4", "5a", "5b", "5c", "6a", "6b", "8", "7-health-idle", "7", "7-health",
]  # fmt: skip


def test_bench_measures_every_workload_without_errors(tmp_path: Path) -> None:
    report = tmp_path / "docs" / "benchmarks.md"
    exit_code = bench.main(
        [
            "--products=300", "--users=20", "--orders=300", "--customers=3", "--busy-orders=40",
            "--stocked-products=20",
            "--duration=1", "--warmup=0", "--repeat=1", "--connections=4", "--pgbench-scale=1",
            f"--report={report}", f"--results-dir={tmp_path / 'results'}",
        ]
    )  # fmt: skip

    assert exit_code == 0
    results = json.loads((tmp_path / "results" / "bench-default.json").read_text())
    measured = {workload["key"]: workload for workload in results["workloads"]}
    assert list(measured) == EVERY_WORKLOAD
    ceilings = results["ceilings"]
    assert list(ceilings) == [*(ceiling.key for ceiling in CEILINGS), "pgbench"]
    for workload in [*measured.values(), *(ceilings[ceiling.key] for ceiling in CEILINGS)]:
        assert workload["errors"] == 0, workload
        assert workload["requests"] > 0, workload
    assert ceilings["pgbench"]["transactions_per_second"] > 0
    assert ceilings["pgbench"]["failed"] == 0
    assert results["settings"]["postgres"]["fsync"] == "on"
    markdown = report.read_text()
    for key in EVERY_WORKLOAD:
        assert f"| {key} |" in markdown
    for ceiling in CEILINGS:
        assert f"| {ceiling.key} | {ceiling.title} |" in markdown
        assert f" of {ceiling.key} |" in markdown
    assert (report.parent / "benchmarks-default.png").read_bytes().startswith(b"\x89PNG")
