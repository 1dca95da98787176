"""The report shows each workload's median with its spread, the ratios to the ceilings and
the comparisons the targets speak of, and flags what must fail the run."""

import json
from pathlib import Path
from typing import Any

from perf.report import (
    load_results,
    problems,
    render_markdown,
    write_chart,
    write_results,
)


def measurement(
    key: str, title: str, rps: list[float], *, p99: float = 10.0, errors: int = 0
) -> dict[str, Any]:
    return {
        "key": key,
        "title": title,
        "target": "",
        "connections": 32,
        "requests_per_second": {"median": sorted(rps)[len(rps) // 2], "min": min(rps),
                                "max": max(rps)},
        "p50_ms": {"median": 2.0, "min": 1.0, "max": 3.0},
        "p99_ms": {"median": p99, "min": p99, "max": p99},
        "errors": errors,
        "requests": int(sum(rps)),
    }  # fmt: skip


def results(label: str, *, products_rps: float = 1_000.0) -> dict[str, Any]:
    return {
        "started_at": "2026-11-23T18:00:00+00:00",
        "machine": {"cpu": "Test CPU", "cores": 2, "load_average": "0.10 0.20 0.30"},
        "versions": {"fastapi": "1.0", "python": "3.11"},
        "dataset": {"label": label, "products": 10_000, "users": 1_000, "orders": 100_000},
        "settings": {
            "workers": 2, "connections": 32, "threads": 2, "warmup_s": 5, "repeats": 3,
            "duration_s": 20,
            "postgres": {"fsync": "on", "synchronous_commit": "on", "shared_buffers": "128MB"},
        },
        "workloads": [
            measurement("2", "GET /api/products?limit=20", [products_rps * 0.9, products_rps,
                                                           products_rps * 1.1]),
            measurement("8", "Workload 2 through nginx", [900.0]),
            measurement("7-health-idle", "GET /api/health idle", [500.0], p99=4.0),
            measurement("7", "POST /api/auth/login", [20.0]),
            measurement("7-health", "GET /api/health beside it", [400.0], p99=6.0),
        ],
        "ceilings": {
            "static_json": {**measurement("static_json", "static", [40_000.0])},
            "raw_asyncpg": {**measurement("raw_asyncpg", "asyncpg", [2_000.0])},
            "pgbench": {"connections": 32, "transactions_per_second": 20_000.0,
                        "latency_average_ms": 1.5, "failed": 0},
        },
    }  # fmt: skip


def test_table_has_median_spread_and_ratios_to_each_ceiling() -> None:
    markdown = render_markdown([results("default")], preamble="# Benchmarks")

    row = next(line for line in markdown.splitlines() if line.startswith("| 2 |"))
    cells = [cell.strip() for cell in row.split("|")[1:-1]]
    assert cells[3] == "1,000 (900-1,100)"
    # 1,000 req/s against 40,000, 2,000 and 20,000 in the ceilings
    assert cells[7:10] == ["0.03", "0.50", "0.05"]
    assert "| C | Ceiling: `pgbench -S`" in markdown
    assert "20,000 tps" in markdown


def test_targets_stated_as_comparisons_are_computed() -> None:
    markdown = render_markdown([results("default")], preamble="# Benchmarks")

    assert "p99 6.0 ms during it, 4.0 ms idle (1.5x; target within 2x)" in markdown
    assert "900 req/s through nginx against 1,000 direct, a cost of 10%" in markdown


def test_scale_table_compares_the_two_datasets(tmp_path: Path) -> None:
    write_results(results("scale", products_rps=500.0), tmp_path)
    write_results(results("default"), tmp_path)

    datasets = load_results(tmp_path)
    markdown = render_markdown(datasets, preamble="# Benchmarks")

    assert [d["dataset"]["label"] for d in datasets] == ["default", "scale"]
    assert "| 2 | GET /api/products?limit=20 | 1,000 | 500 | 2.00x |" in markdown
    assert json.loads((tmp_path / "bench-scale.json").read_text())["dataset"]["label"] == "scale"


def test_errors_and_workloads_without_answers_fail_the_run() -> None:
    clean = results("default")
    assert problems(clean) == []

    broken = results("default")
    broken["workloads"][0]["errors"] = 3
    broken["workloads"][3]["requests"] = 0
    broken["ceilings"]["raw_asyncpg"]["errors"] = 1

    assert [problem.split(" ")[0] for problem in problems(broken)] == ["2", "7", "raw_asyncpg"]


def test_chart_is_a_png(tmp_path: Path) -> None:
    chart = tmp_path / "chart.png"
    write_chart(results("default"), chart)
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
