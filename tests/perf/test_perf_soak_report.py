"""The soak's report adds up its windows, and errors or an unbalanced ledger fail it."""

from pathlib import Path
from typing import Any

from perf.soak import problems, render_markdown, write_chart


def window(
    number: int, *, errors: int = 0, rss: tuple[float, float] = (100.0, 101.0)
) -> dict[str, Any]:
    return {
        "window": number, "ends_at_s": 30.0 * number, "requests": 1_000,
        "requests_per_second": 33.3, "p50_ms": 20.0, "p99_ms": 90.0 + number, "errors": errors,
        "kinds": {"browse": {"ok": 800, "errors": errors}, "order": {"ok": 200, "errors": 0}},
        "worker_rss_mb": list(rss), "database_connections": 5 + number,
    }  # fmt: skip


def results(*windows: dict[str, Any], mismatched: list[str] | None = None) -> dict[str, Any]:
    return {
        "started_at": "2026-11-23T18:00:00+00:00", "seconds": 30.0 * len(windows),
        "settings": {"workers": 2, "connections": 8, "window_s": 30,
                     "dataset": {"products": 10, "users": 5, "orders": 20}},
        "windows": list(windows), "memory_at_start_mb": [90.0, 91.0],
        "ledger": {"products": 10, "mismatched": mismatched or [],
                   "mismatched_count": len(mismatched or [])},
    }  # fmt: skip


def test_summary_adds_up_the_windows() -> None:
    markdown = render_markdown(results(window(1), window(2, rss=(102.0, 103.5))))

    assert "- Requests: 2,000; errors: **0**." in markdown
    assert "browse 1,600 ok / 0 errors, order 400 ok / 0 errors" in markdown
    assert "[90.0, 91.0] at the start" in markdown
    assert "[102.0, 103.5] at the end" in markdown
    assert "- Database connections: 6 to 7." in markdown
    assert "| 2 | 60 | 33.3 | 20.0 | 92.0 | 0 | 102.0 / 103.5 | 7 |" in markdown


def test_errors_and_an_unbalanced_ledger_fail_the_soak() -> None:
    assert problems(results(window(1), window(2))) == []
    assert problems(results(window(1), window(2, errors=3), mismatched=["17"])) == [
        "window 2: 3 errors",
        "stock ledger out of balance for products ['17']",
    ]


def test_chart_is_a_png(tmp_path: Path) -> None:
    chart = tmp_path / "soak.png"
    write_chart(results(window(1), window(2)), chart)
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
