"""The figures as text tables (the terminal) and as Markdown (``docs/performance.md``).

Usage: ``.venv/bin/python bench/tables.py bench/results/latest.json`` prints the Markdown.
"""

from __future__ import annotations

from typing import Any


def _value(value: float | str | None) -> str:
    if value is None:
        return "-"
    return value if isinstance(value, str) else f"{value:g}"


def render(report: dict[str, Any]) -> str:
    lines = [f"{'scenario':<28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}"]
    for name, r in report["results"].items():
        lines.append(
            f"{name:<28} {r['requests_per_second']:>9.0f} {r['p50_ms']:>8.2f}"
            f" {r['p99_ms']:>8.2f} {r['errors']:>7}"
        )
    for name, w in report.get("writer", {}).items():
        lines.append(
            f"\nstaff writer during {name}: {w['writes']} PATCHes in {w['seconds']} s"
            f" = {w['per_second']}/s (paced at {w['paced_per_second']:g}),"
            f" {w['failed']} failed {w['failures'] or ''}"
        )
    check = report.get("read_model_check")
    if check:
        verdict = "clean" if check["clean"] else "DIFFERS:\n  " + "\n  ".join(check["output"])
        lines.append(f"check_read_model after the write load: {verdict}")
    lines += ["", f"{'target':<64} {'value':>8} {'goal':>8}  met"]
    for t in report["targets"]:
        met = {True: "yes", False: "NO", None: "" if t["goal"] == "info" else "n/a"}[t["met"]]
        lines.append(f"{t['target']:<64} {_value(t['value']):>8} {t['goal']:>8}  {met}")
    return "\n".join(lines)


def render_scale(report: dict[str, Any]) -> str:
    """p50 by size, and each scenario's largest-size p50 over its smallest-size p50."""
    curve: dict[str, dict[str, float]] = report["p50_ms"]
    sizes = sorted(curve, key=int)
    names = sorted({name for figures in curve.values() for name in figures})
    lines = [f"{'p50 ms':<24}" + "".join(f"{int(s):>12,}" for s in sizes)]
    for name in names:
        row = [curve[s].get(name) for s in sizes]
        cells = "".join(f"{v:>12.2f}" if v is not None else f"{'-':>12}" for v in row)
        lines.append(f"{name:<24}{cells}")
    lines += ["", f"{'ratio':<64} {'value':>8} {'goal':>8}  met"]
    for t in report["targets"]:
        met = {True: "yes", False: "NO", None: ""}[t["met"]]
        lines.append(f"{t['target']:<64} {_value(t['value']):>8} {t['goal']:>8}  {met}")
    return "\n".join(lines)


def markdown(report: dict[str, Any]) -> str:
    """The figures as the Markdown tables of docs/performance.md."""
    machine = report["machine"]
    database = report["database"]
    options = report["options"]
    lines = [
        f"{report['when']}, {database['trainers']:,} trainers, {machine['cpus']} CPUs, "
        f"{machine['memory_gb']} GB, {machine['platform']}, Python {machine['python']}, "
        f"load average {machine.get('load_average', '?')} at the end; "
        f"wrk -t{options['threads']} -c{options['connections']}, "
        f"{options['duration']} s a scenario.",
        "",
        "| scenario | req/s | p50 ms | p99 ms |",
        "|---|---:|---:|---:|",
    ]
    for name, r in report["results"].items():
        rps, p50, p99 = r["requests_per_second"], r["p50_ms"], r["p99_ms"]
        lines.append(f"| `{name}` | {rps:,.0f} | {p50:.2f} | {p99:.2f} |")
    lines += ["", "| target | value | goal | met |", "|---|---:|---:|---|"]
    for t in report["targets"]:
        met = {True: "yes", False: "**no**", None: ""}[t["met"]]
        lines.append(f"| {t['target']} | {_value(t['value'])} | {t['goal']} | {met} |")
    return "\n".join(lines)


if __name__ == "__main__":
    import json
    import sys
    from pathlib import Path

    print(markdown(json.loads(Path(sys.argv[1]).read_text())))
