"""The benchmark's outputs: JSON per dataset under results/, docs/benchmarks.md and a chart.

The Markdown is rendered from every results file present, so the default run and the
`--scale` run end up side by side in one report whichever ran last.
"""

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # files only, no display
import matplotlib.pyplot as plt

RESULTS_DIR = Path(__file__).parent / "results"
CEILING_TITLES = {
    "static_json": "Ceiling: minimal ASGI app, same JSON bytes",
    "raw_asyncpg": "Ceiling: minimal ASGI + raw asyncpg, workload 2's SQL",
}
DATASET_ORDER = ("default", "scale")


def write_results(results: dict[str, Any], results_dir: Path) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"bench-{results['dataset']['label']}.json"
    path.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    return path


def load_results(results_dir: Path) -> list[dict[str, Any]]:
    found = {
        json.loads(path.read_text())["dataset"]["label"]: json.loads(path.read_text())
        for path in sorted(results_dir.glob("bench-*.json"))
    }
    return [found[label] for label in DATASET_ORDER if label in found]


def problems(results: dict[str, Any]) -> list[str]:
    """What fails the run: any error, or a workload that got no answer at all."""
    ceilings = results["ceilings"]
    measured = [*results["workloads"], ceilings["static_json"], ceilings["raw_asyncpg"]]
    return [
        f"{m['key']} {m['title']}: {m['errors']} errors in {m['requests']} answers"
        for m in measured
        if m["errors"] or not m["requests"]
    ]


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _spread(stat: dict[str, float]) -> str:
    return f"{_number(stat['median'])} ({_number(stat['min'])}-{_number(stat['max'])})"


def _ratio(value: float, ceiling: float | None) -> str:
    return f"{value / ceiling:.2f}" if ceiling else "-"


def _by_key(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {workload["key"]: workload for workload in results["workloads"]}


def _table(results: dict[str, Any]) -> list[str]:
    ceilings = results["ceilings"]
    static = ceilings["static_json"]["requests_per_second"]["median"]
    raw = ceilings["raw_asyncpg"]["requests_per_second"]["median"]
    pgbench = ceilings["pgbench"]["transactions_per_second"]
    lines = [
        "| # | workload | conns | req/s median (min-max) | p50 ms | p99 ms | errors "
        "| ÷ ASGI | ÷ asyncpg | ÷ pgbench | target |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for workload in results["workloads"]:
        rps = workload["requests_per_second"]["median"]
        lines.append(
            f"| {workload['key']} | {workload['title']} | {workload['connections']} "
            f"| {_spread(workload['requests_per_second'])} "
            f"| {_number(workload['p50_ms']['median'])} | {_number(workload['p99_ms']['median'])} "
            f"| {workload['errors']} | {_ratio(rps, static)} | {_ratio(rps, raw)} "
            f"| {_ratio(rps, pgbench)} | {workload['target'] or '-'} |"
        )
    for name, title in CEILING_TITLES.items():
        ceiling = ceilings[name]
        lines.append(
            f"| C | {title} | {ceiling['connections']} "
            f"| {_spread(ceiling['requests_per_second'])} "
            f"| {_number(ceiling['p50_ms']['median'])} | {_number(ceiling['p99_ms']['median'])} "
            f"| {ceiling['errors']} | | | | |"
        )
    lines.append(
        f"| C | Ceiling: `pgbench -S` (primary-key selects) | {ceilings['pgbench']['connections']} "
        f"| {_number(pgbench)} tps | avg {ceilings['pgbench']['latency_average_ms']:.2f} | - "
        f"| {ceilings['pgbench']['failed']} | | | | |"
    )
    return lines


def _derived(results: dict[str, Any]) -> list[str]:
    """The comparisons the targets are stated in."""
    workloads = _by_key(results)
    lines = []
    if {"7", "7-health", "7-health-idle"} <= workloads.keys():
        idle = workloads["7-health-idle"]["p99_ms"]["median"]
        during = workloads["7-health"]["p99_ms"]["median"]
        lines.append(
            f"- Login storm: `/api/health` p99 {during:.1f} ms during it, {idle:.1f} ms idle "
            f"({during / idle:.1f}x; target within 2x)."
        )
    if {"2", "8"} <= workloads.keys():
        direct = workloads["2"]["requests_per_second"]["median"]
        proxied = workloads["8"]["requests_per_second"]["median"]
        lines.append(
            f"- nginx hop: {proxied:,.0f} req/s through nginx against {direct:,.0f} direct, "
            f"a cost of {(1 - proxied / direct) * 100:.0f}% (target < 15%)."
        )
    return lines


def _scale_comparison(datasets: list[dict[str, Any]]) -> list[str]:
    if len(datasets) < 2:
        return []
    small, large = _by_key(datasets[0]), _by_key(datasets[1])
    lines = [
        "## Scale: the same workloads on the large dataset",
        "",
        "| # | workload | req/s default | req/s scale | slowdown (target <= 1.5x) |",
        "|---|---|---|---|---|",
    ]
    for key, workload in small.items():
        if key not in large:
            continue
        before = workload["requests_per_second"]["median"]
        after = large[key]["requests_per_second"]["median"]
        slowdown = before / after if after else float("inf")
        lines.append(
            f"| {key} | {workload['title']} | {before:,.0f} | {after:,.0f} | {slowdown:.2f}x |"
        )
    return [*lines, ""]


def _dataset_section(results: dict[str, Any]) -> list[str]:
    dataset, settings = results["dataset"], results["settings"]
    postgres = settings["postgres"]
    return [
        f"## Dataset `{dataset['label']}`: {dataset['products']:,} products, "
        f"{dataset['users']:,} customers, {dataset['orders']:,} orders",
        "",
        f"Run {results['started_at']} on {results['machine']['cpu']} "
        f"({results['machine']['cores']} cores, load average {results['machine']['load_average']} "
        f"at the start). {settings['workers']} uvicorn workers, {settings['connections']} "
        f"connections, {settings['threads']} wrk threads, {settings['warmup_s']:g} s warm-up, "
        f"{settings['repeats']} x {settings['duration_s']:g} s per workload. PostgreSQL "
        f"fsync={postgres['fsync']}, synchronous_commit={postgres['synchronous_commit']}, "
        f"shared_buffers={postgres['shared_buffers']}.",
        "",
        *_table(results),
        "",
        *_derived(results),
        "",
        f"![req/s and p99 per workload](benchmarks-{dataset['label']}.png)",
        "",
    ]


def render_markdown(datasets: list[dict[str, Any]], *, preamble: str) -> str:
    versions = datasets[-1]["versions"]
    version_line = ", ".join(f"{name} {version}" for name, version in sorted(versions.items()))
    lines = [
        preamble.rstrip(),
        "",
        f"Versions: {version_line}.",
        "",
        *_scale_comparison(datasets),
    ]
    for results in datasets:
        lines += _dataset_section(results)
    return "\n".join(lines).rstrip() + "\n"


def write_chart(results: dict[str, Any], path: Path) -> None:
    rows = [
        (f"{w['key']} {w['title']}", w["requests_per_second"], w["p99_ms"]["median"])
        for w in results["workloads"]
    ] + [
        (f"C {ceiling['title']}", ceiling["requests_per_second"], ceiling["p99_ms"]["median"])
        for ceiling in (results["ceilings"][name] for name in CEILING_TITLES)
    ]
    labels = [label[:60] for label, _, _ in rows]
    medians = [stat["median"] for _, stat, _ in rows]
    errors = [
        [stat["median"] - stat["min"] for _, stat, _ in rows],
        [stat["max"] - stat["median"] for _, stat, _ in rows],
    ]
    figure, (throughput, latency) = plt.subplots(
        1, 2, figsize=(14, 0.45 * len(rows) + 1.5), sharey=True
    )
    positions = range(len(rows))
    throughput.barh(positions, medians, xerr=errors, color="#4c72b0", capsize=3)
    throughput.set_xscale("log")
    throughput.set_xlabel("requests/s (median, min-max; log scale)")
    throughput.set_yticks(list(positions), labels, fontsize=8)
    throughput.invert_yaxis()
    latency.barh(positions, [p99 for _, _, p99 in rows], color="#dd8452")
    latency.set_xlabel("p99 latency, ms (median run)")
    settings = results["settings"]
    figure.suptitle(
        f"order_system, dataset {results['dataset']['label']}: "
        f"{settings['workers']} workers, {settings['connections']} connections"
    )
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=110)
    plt.close(figure)
