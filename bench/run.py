"""``make bench``: the read and write paths against the ceiling and the baselines, in one run.

Seeds a separate benchmark database (``trainers_bench_<N>``) on the configured
server, starts the app the production way (uvicorn, one worker, no access log)
through ``bench/asgi.py`` (the project's application plus the DRF baselines' URLs),
and the bare ASGI ceiling in a uvicorn process of its own; drives them with wrk over
loopback, runs ``check_read_model`` after the write load, prints a table of req/s,
p50, p99 and the ratios the targets are written in, and writes the figures as JSON
under ``bench/results/``. Every target is a ratio (or a latency) measured in the same
run, because absolute timings on a shared machine mean little.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.options import Options, parse_args, require_wrk  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv, __doc__.splitlines()[0] if __doc__ else "")
    wrk = require_wrk()
    if options.scale:
        from bench.scale import scale

        return scale(wrk, options)
    from bench.database import check_read_model, prepare_database
    from bench.measure import run_scenarios
    from bench.report import targets
    from bench.tables import render

    database = prepare_database(options.trainers, fresh=options.fresh, name=options.database)
    print(f"benchmark database: {database.name} ({database.trainers} trainers)", flush=True)
    outcome = run_scenarios(wrk, database.url, options)
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "options": asdict(options),
        "database": asdict(database),
        **outcome.as_dict(),
    }
    if outcome.writer or any(name.startswith("write:") for name in outcome.results):
        print("check_read_model after the write load ...", flush=True)
        report["read_model_check"] = check_read_model(database.url)
    report["targets"] = targets(report)
    print()
    print(render(report))
    write(options, f"bench-{options.trainers}", report, latest=True)
    return 0


def write(options: Options, stem: str, report: dict[str, Any], *, latest: bool = False) -> Path:
    """The report as JSON under ``--results`` (and as ``latest.json``)."""
    options.results.mkdir(parents=True, exist_ok=True)
    out = options.results / f"{stem}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    text = json.dumps(report, indent=2, default=str)
    out.write_text(text)
    if latest:
        (options.results / "latest.json").write_text(text)
    print(f"\nfigures written to {out}")
    return out


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


if __name__ == "__main__":
    raise SystemExit(main())
