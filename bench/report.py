"""The table of figures and the targets, each a ratio measured in the same run."""

from __future__ import annotations

from typing import Any

READ_SCENARIOS = (
    "list:ours",
    "first_page:ours",
    "deep_page:ours",
    "search:ours",
    "detail:ours",
    "facets:ours",
)


def _rps(report: dict[str, Any], name: str) -> float | None:
    result = report["results"].get(name)
    return result["requests_per_second"] if result else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a is not None and b else None


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def add(name: str, value: float | None, goal: str, ok: bool | None) -> None:
        rows.append({"target": name, "value": value, "goal": goal, "met": ok})

    def at_least(name: str, value: float | None, goal: float) -> None:
        add(name, value, f">= {goal}", None if value is None else value >= goal)

    def at_most(name: str, value: float | None, goal: float) -> None:
        add(name, value, f"<= {goal}", None if value is None else value <= goal)

    at_least(
        "list, filtered: ours / naive DRF",
        _ratio(_rps(report, "list:ours"), _rps(report, "list:naive_drf")),
        25,
    )
    at_least(
        "detail: ours / bare ASGI ceiling",
        _ratio(_rps(report, "detail:ours"), _rps(report, "detail:ceiling")),
        0.3,
    )
    # Past the cache, where the cursor's cost shows: both cached pages are one hit each.
    at_least(
        "deep page / first page (uncached)",
        _ratio(_rps(report, "deep_page:ours_uncached"), _rps(report, "first_page:ours_uncached")),
        0.9,
    )
    at_least(
        "search: ours / naive DRF",
        _ratio(_rps(report, "search:ours"), _rps(report, "search:naive_drf")),
        20,
    )
    worst = None
    for name in READ_SCENARIOS:
        result = report["results"].get(name)
        if result and result["p50_ms"]:
            spread = round(result["p99_ms"] / result["p50_ms"], 2)
            worst = spread if worst is None else max(worst, spread)
    at_most("latency: worst p99 / p50 of our reads", worst, 4)
    at_least(
        "writes: command PATCH / plain DRF PATCH",
        _ratio(_rps(report, "write:ours"), _rps(report, "write:plain_drf")),
        0.5,
    )
    # For reading the above: what a cache miss gives, and how noisy the machine is.
    add(
        "info: list uncached / naive DRF",
        _ratio(_rps(report, "list:ours_uncached"), _rps(report, "list:naive_drf")),
        "info",
        None,
    )
    add(
        "info: search uncached / naive DRF",
        _ratio(_rps(report, "search:ours_uncached"), _rps(report, "search:naive_drf")),
        "info",
        None,
    )
    add(
        "info: deep page / first page (cached)",
        _ratio(_rps(report, "deep_page:ours"), _rps(report, "first_page:ours")),
        "info",
        None,
    )
    add(
        "info: detail uncached / ceiling",
        _ratio(_rps(report, "detail:ours_uncached"), _rps(report, "detail:ceiling")),
        "info",
        None,
    )
    ceiling = report["results"].get("detail:ceiling")
    if ceiling and ceiling["p50_ms"]:
        spread = round(ceiling["p99_ms"] / ceiling["p50_ms"], 2)
        add("info: the ceiling's own p99 / p50", spread, "info", None)
    database = report["database"]
    if database["trainers"] == 100_000:
        at_most("seed 100k trainers (s)", database["seed_seconds"], 60)
        at_most("rebuild 100k trainers (s)", database["rebuild_seconds"], 15)
    at_most(
        "peak RSS under list load (MB)",
        round(report["peak_rss_mb"].get("list:ours", 0), 1) or None,
        250,
    )
    return rows


def render(report: dict[str, Any]) -> str:
    lines = [f"{'scenario':<26} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8}"]
    for name, r in report["results"].items():
        lines.append(
            f"{name:<26} {r['requests_per_second']:>9.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f}"
        )
    lines.append("")
    lines.append(f"{'target':<44} {'value':>8} {'goal':>8}  met")
    for t in report["targets"]:
        value = "-" if t["value"] is None else f"{t['value']:g}"
        met = {True: "yes", False: "NO", None: "" if t["goal"] == "info" else "n/a"}[t["met"]]
        lines.append(f"{t['target']:<44} {value:>8} {t['goal']:>8}  {met}")
    return "\n".join(lines)


def render_scale(report: dict[str, Any]) -> str:
    """p50 by size, and each scenario's largest-size p50 over its smallest-size p50."""
    curve: dict[str, dict[str, float]] = report["p50_ms"]
    sizes = sorted(curve, key=int)
    names = sorted({name for figures in curve.values() for name in figures})
    lines = [f"{'p50 ms':<24}" + "".join(f"{int(s):>12,}" for s in sizes) + f"{'ratio':>9}"]
    for name in names:
        row = [curve[s].get(name) for s in sizes]
        first, last = row[0], row[-1]
        ratio = f"{last / first:.2f}" if first and last else "-"
        cells = "".join(f"{v:>12.2f}" if v is not None else f"{'-':>12}" for v in row)
        lines.append(f"{name:<24}{cells}{ratio:>9}")
    lines.append(f"\ntarget: p50 at {int(sizes[-1]):,} <= 1.3x p50 at {int(sizes[0]):,}")
    return "\n".join(lines)


def markdown(report: dict[str, Any]) -> str:
    """The figures as the Markdown tables of docs/performance.md."""
    machine = report["machine"]
    database = report["database"]
    lines = [
        f"{report['when']}, {database['trainers']:,} trainers, {machine['cpus']} CPUs, "
        f"{machine['memory_gb']} GB, {machine['platform']}, Python {machine['python']}; "
        f"wrk -t{report['options']['threads']} -c{report['options']['connections']}, "
        f"{report['options']['duration']} s a scenario.",
        "",
        "| scenario | req/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    for name, r in report["results"].items():
        rps, p50, p99 = r["requests_per_second"], r["p50_ms"], r["p99_ms"]
        lines.append(f"| `{name}` | {rps:,.0f} | {p50:.2f} | {p99:.2f} |")
    lines += ["", "| target | value | goal | met |", "|---|---:|---:|---|"]
    for t in report["targets"]:
        value = "-" if t["value"] is None else f"{t['value']:g}"
        met = {True: "yes", False: "**no**", None: ""}[t["met"]]
        lines.append(f"| {t['target']} | {value} | {t['goal']} | {met} |")
    return "\n".join(lines)


if __name__ == "__main__":
    import json
    import sys
    from pathlib import Path

    print(markdown(json.loads(Path(sys.argv[1]).read_text())))
