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
    measured = [*results["workloads"], *_measured_ceilings(results).values()]
    return [
        f"{m['key']} {m['title']}: {m['errors']} errors in {m['requests']} answers"
        for m in measured
        if m["errors"] or not m["requests"]
    ]


def _number(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def _spread(stat: dict[str, float]) -> str:
    return f"{_number(stat['median'])} ({_number(stat['min'])}-{_number(stat['max'])})"


def _measured_ceilings(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The ceilings wrk measured, by key: every one but pgbench (older runs' included)."""
    return {key: ceiling for key, ceiling in results["ceilings"].items() if key != "pgbench"}


def _own_ceiling_ratio(workload: dict[str, Any], ceilings: dict[str, dict[str, Any]]) -> str:
    """`0.42 of C2`, or "-" without a ceiling of its own in this run (older runs had none)."""
    ceiling = ceilings.get(workload.get("ceiling", ""))
    if not ceiling or not ceiling["requests_per_second"]["median"]:
        return "-"
    ratio = workload["requests_per_second"]["median"] / ceiling["requests_per_second"]["median"]
    return f"{ratio:.2f} of {workload['ceiling']}"


def _by_key(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {workload["key"]: workload for workload in results["workloads"]}


def _row(key: str, measurement: dict[str, Any], ratio: str, target: str) -> str:
    return (
        f"| {key} | {measurement['title']} | {measurement['connections']} "
        f"| {_spread(measurement['requests_per_second'])} "
        f"| {_number(measurement['p50_ms']['median'])} "
        f"| {_number(measurement['p99_ms']['median'])} "
        f"| {measurement['errors']} | {ratio} | {target} |"
    )


def _table(results: dict[str, Any]) -> list[str]:
    ceilings = _measured_ceilings(results)
    pgbench = results["ceilings"]["pgbench"]
    workload_rows = [
        _row(w["key"], w, _own_ceiling_ratio(w, ceilings), w["target"] or "-")
        for w in results["workloads"]
    ]
    # Older runs keyed their ceilings by name (static_json, raw_asyncpg), not as C<workload>.
    ceiling_rows = [
        _row(key if key.startswith("C") else "C", ceiling, "", "")
        for key, ceiling in ceilings.items()
    ]
    return [
        "| # | workload | conns | req/s median (min-max) | p50 ms | p99 ms | errors "
        "| ÷ own ceiling | target |",
        "|---|---|---|---|---|---|---|---|---|",
        *workload_rows,
        *ceiling_rows,
        f"| C | Ceiling: `pgbench -S` (primary-key selects) | {pgbench['connections']} "
        f"| {_number(pgbench['transactions_per_second'])} tps "
        f"| avg {pgbench['latency_average_ms']:.2f} | - | {pgbench['failed']} | | |",
    ]


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
    days = [dataset["started_at"][:10] for dataset in datasets[:2]]
    if days[0] != days[1]:
        # Another day is another build and another machine load: the ratio would say nothing.
        return [
            "## Scale: the same workloads on the large dataset",
            "",
            f"The default run ({days[0]}) and the scale run ({days[1]}) are of different days, "
            "so they are not compared; run both on one day to fill this table.",
            "",
        ]
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
        (f"{key} {ceiling['title']}", ceiling["requests_per_second"], ceiling["p99_ms"]["median"])
        for key, ceiling in _measured_ceilings(results).items()
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
