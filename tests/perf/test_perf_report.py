"""The report shows each workload's median with its spread, its ratio to its own ceiling and
the comparisons the targets speak of, and flags what must fail the run; runs from before
the per-workload ceilings still render. A ceiling's answer is compared with the API's."""

import json
from pathlib import Path
from typing import Any

from perf.bench import answer_difference
from perf.report import (
    load_results,
    problems,
    render_markdown,
    write_chart,
    write_results,
)


def measurement(
    key: str,
    title: str,
    rps: list[float],
    *,
    p99: float = 10.0,
    errors: int = 0,
    ceiling: str = "",
) -> dict[str, Any]:
    return {
        "key": key,
        "title": title,
        "target": "",
        "ceiling": ceiling,
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
            measurement("1", "GET /api/health", [5_000.0], ceiling="C1"),
            measurement("2", "GET /api/products?limit=20", [products_rps * 0.9, products_rps,
                                                           products_rps * 1.1], ceiling="C2"),
            measurement("8", "Workload 2 through nginx", [900.0], ceiling="C2"),
            measurement("7-health-idle", "GET /api/health idle", [500.0], p99=4.0),
            measurement("7", "POST /api/auth/login", [20.0]),
            measurement("7-health", "GET /api/health beside it", [400.0], p99=6.0),
        ],
        "ceilings": {
            "C1": measurement("C1", "Ceiling of 1", [40_000.0]),
            "C2": measurement("C2", "Ceiling of 2", [2_000.0]),
            "pgbench": {"connections": 32, "transactions_per_second": 20_000.0,
                        "latency_average_ms": 1.5, "failed": 0},
        },
    }  # fmt: skip


def cells(markdown: str, key: str) -> list[str]:
    row = next(line for line in markdown.splitlines() if line.startswith(f"| {key} |"))
    return [cell.strip() for cell in row.split("|")[1:-1]]


def test_table_has_median_spread_and_the_ratio_to_the_workloads_own_ceiling() -> None:
    markdown = render_markdown([results("default")], preamble="# Benchmarks")

    assert cells(markdown, "2")[3] == "1,000 (900-1,100)"
    # 5,000 req/s against C1's 40,000; 1,000 and 900 against C2's 2,000
    assert cells(markdown, "1")[7] == "0.12 of C1"
    assert cells(markdown, "2")[7] == "0.50 of C2"
    assert cells(markdown, "8")[7] == "0.45 of C2"
    assert cells(markdown, "7")[7] == "-"
    assert cells(markdown, "C2")[:4] == ["C2", "Ceiling of 2", "32", "2,000 (2,000-2,000)"]
    assert "| C | Ceiling: `pgbench -S`" in markdown
    assert "20,000 tps" in markdown


def test_a_run_from_before_the_own_ceilings_renders_without_ratios() -> None:
    old = results("default")
    old["ceilings"] = {
        "static_json": measurement("static_json", "Ceiling: minimal ASGI app", [40_000.0]),
        "raw_asyncpg": measurement("raw_asyncpg", "Ceiling: raw asyncpg", [2_000.0]),
        "pgbench": old["ceilings"]["pgbench"],
    }
    for workload in old["workloads"]:
        del workload["ceiling"]

    markdown = render_markdown([old], preamble="# Benchmarks")

    assert cells(markdown, "2")[7] == "-"
    assert "| C | Ceiling: raw asyncpg | 32 | 2,000 (2,000-2,000) |" in markdown


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


def test_runs_of_different_days_are_not_compared(tmp_path: Path) -> None:
    write_results(results("scale", products_rps=500.0), tmp_path)
    write_results(results("default") | {"started_at": "2026-11-24T09:00:00+00:00"}, tmp_path)

    markdown = render_markdown(load_results(tmp_path), preamble="# Benchmarks")

    assert "| 2 | GET /api/products?limit=20 | 1,000 | 500 |" not in markdown
    assert "default run (2026-11-24) and the scale run (2026-11-23) are of different days" in (
        markdown
    )


def test_errors_and_workloads_without_answers_fail_the_run() -> None:
    clean = results("default")
    assert problems(clean) == []

    broken = results("default")
    broken["workloads"][1]["errors"] = 3
    broken["workloads"][4]["requests"] = 0
    broken["ceilings"]["C2"]["errors"] = 1

    assert [problem.split(" ")[0] for problem in problems(broken)] == ["2", "7", "C2"]


def test_chart_is_a_png(tmp_path: Path) -> None:
    chart = tmp_path / "chart.png"
    write_chart(results("default"), chart)
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


ORDER = {"id": 7, "order_number": "ORD-20261207-000007", "status": "pending", "items": [
    {"product_id": 3, "quantity": 2, "line_total": "9.98"}], "total_amount": "9.98"}  # fmt: skip
FRESH = frozenset({"id", "order_number"})


def test_a_ceilings_answer_is_the_apis_in_any_key_order_but_for_fresh_fields() -> None:
    reordered = dict(reversed(ORDER.items()))
    another_order = {**ORDER, "id": 8, "order_number": "ORD-20261207-000008"}

    assert answer_difference(json.dumps(ORDER).encode(), json.dumps(reordered).encode(),
                             fresh_fields=frozenset()) == ""  # fmt: skip
    assert answer_difference(json.dumps(ORDER).encode(), json.dumps(another_order).encode(),
                             fresh_fields=FRESH) == ""  # fmt: skip


def test_a_ceiling_answering_otherwise_shows_where() -> None:
    other_line = {**ORDER, "items": [{"product_id": 3, "quantity": 1, "line_total": "4.99"}]}

    difference = answer_difference(
        json.dumps(ORDER).encode(), json.dumps(other_line).encode(), fresh_fields=FRESH
    )

    assert '-   "line_total": "9.98",' in difference.splitlines()
    assert '+   "line_total": "4.99",' in difference.splitlines()
    assert answer_difference(b'{"id": 7}', b'{"id": 8}', fresh_fields=frozenset())
