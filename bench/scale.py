"""``make bench-scale``: list, detail and search p50 at each size, in one run."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from bench.options import Options
from bench.scenarios import SCALE_SCENARIOS

# Whose p50 at the largest size over its p50 at the smallest is a target; the others
# are reported beside it.
SCALE_TARGETS = ("search:ours_uncached",)
SCALE_GOAL = 1.3


def scale(wrk: str, options: Options) -> int:
    """Each size's database, then the scenarios of the curve against it."""
    from bench.database import prepare_database
    from bench.measure import run_scenarios
    from bench.run import machine, write
    from bench.tables import render_scale

    sizes = sorted(options.scale)
    curve: dict[str, dict[str, float]] = {}
    for size in sizes:
        database = prepare_database(size, fresh=options.fresh)
        print(f"benchmark database: {database.name} ({size} trainers)", flush=True)
        outcome = run_scenarios(wrk, database.url, options, SCALE_SCENARIOS)
        curve[str(size)] = {name: r.p50_ms for name, r in outcome.results.items()}
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "options": asdict(options),
        "p50_ms": curve,
        "targets": scale_targets(curve),
    }
    print()
    print(render_scale(report))
    write(options, f"scale-{'-'.join(map(str, sizes))}", report)
    return 0


def scale_targets(curve: dict[str, dict[str, float]]) -> list[dict[str, Any]]:
    """p50 at the largest size / p50 at the smallest, per scenario; search's is the target."""
    sizes = sorted(curve, key=int)
    rows = []
    for name in sorted({n for figures in curve.values() for n in figures}):
        first, last = curve[sizes[0]].get(name), curve[sizes[-1]].get(name)
        value = round(last / first, 2) if first and last else None
        target = name in SCALE_TARGETS
        rows.append(
            {
                "target": f"{name}: p50 at {int(sizes[-1]):,} / p50 at {int(sizes[0]):,}",
                "value": value,
                "goal": f"<= {SCALE_GOAL}" if target else "info",
                "met": (value <= SCALE_GOAL if value is not None else None) if target else None,
            }
        )
    return rows
