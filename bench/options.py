"""The benchmark's command line (``bench/run.py --help``) and the tools it needs."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Options:
    trainers: int
    duration: int
    connections: int
    threads: int
    fresh: bool
    warmup: int = 2
    only: list[str] = field(default_factory=list)
    scale: list[int] = field(default_factory=list)
    baseline_seconds: int = 15
    database: str | None = None
    results: Path = RESULTS


def parse_args(argv: list[str] | None = None, description: str = "") -> Options:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--trainers", type=int, default=int(os.environ.get("BENCH_TRAINERS", "100000"))
    )
    parser.add_argument(
        "--duration",
        type=int,
        default=int(os.environ.get("BENCH_DURATION", "10")),
        help="seconds of load per scenario",
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--fresh", action="store_true", help="drop and reseed the benchmark database"
    )
    parser.add_argument(
        "--warmup", type=int, default=2, help="seconds of unmeasured load before each scenario"
    )
    parser.add_argument(
        "--only",
        nargs="*",
        default=[],
        help="run only these scenarios (whole names, or the part before the colon)",
    )
    parser.add_argument(
        "--scale",
        nargs="*",
        type=int,
        default=[],
        help="the scale curve instead: list, detail and search p50 at each of these sizes",
    )
    parser.add_argument(
        "--baseline-seconds",
        type=int,
        default=15,
        help="minimum load seconds of Django's scenarios (their requests queue; default 15)",
    )
    parser.add_argument("--database", help="database name (default trainers_bench_<N>)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the JSON goes")
    ns = parser.parse_args(argv)
    return Options(
        ns.trainers,
        ns.duration,
        ns.connections,
        ns.threads,
        ns.fresh,
        ns.warmup,
        ns.only,
        ns.scale,
        ns.baseline_seconds,
        ns.database,
        ns.results,
    )


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        sys.exit(
            "make bench needs wrk, the HTTP load generator.\n"
            "  Debian/Ubuntu: sudo apt-get install wrk\n"
            "  macOS:         brew install wrk"
        )
    return wrk
