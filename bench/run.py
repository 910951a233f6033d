"""``make bench``: the read and write paths against their baselines, in one run.

Seeds a separate benchmark database (``trainers_bench_<N>``) on the configured
server, starts the app the production way (uvicorn, one worker, no access log)
with the baselines switched on, drives it with wrk over loopback, prints a table
of req/s, p50, p99 and the ratios the targets are written in, and writes the
figures as JSON under ``bench/results/``. Every target is a ratio measured in
the same run, because absolute timings on a shared machine mean little.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scenarios import Scenario  # noqa: E402
from bench.server import BenchServer  # noqa: E402
from bench.wrk import WrkResult, run_wrk  # noqa: E402

RESULTS = ROOT / "bench" / "results"
LUA = ROOT / "bench" / "lua"


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


def parse_args(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
    parser.add_argument("--only", nargs="*", default=[], help="run only these scenarios")
    parser.add_argument(
        "--scale",
        nargs="*",
        type=int,
        default=[],
        help="the scale curve instead: list and detail p50 at each of these sizes",
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


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    wrk = require_wrk()
    if options.scale:
        return scale(wrk, options)
    from bench.database import prepare_database

    database = prepare_database(options.trainers, fresh=options.fresh, name=options.database)
    print(f"benchmark database: {database.name} ({database.trainers} trainers)", flush=True)
    results, peak_rss = run_scenarios(wrk, database.url, options)

    from bench.report import render, targets

    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "options": asdict(options),
        "database": asdict(database),
        "results": {name: asdict(r) for name, r in results.items()},
        "peak_rss_mb": peak_rss,
    }
    report["targets"] = targets(report)
    print()
    print(render(report))
    options.results.mkdir(parents=True, exist_ok=True)
    out = options.results / f"bench-{options.trainers}-{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    (options.results / "latest.json").write_text(json.dumps(report, indent=2, default=str))
    print(f"\nfigures written to {out}")
    return 0


def run_scenarios(
    wrk: str, database_url: str, options: Options, only: set[str] | None = None
) -> tuple[dict[str, WrkResult], dict[str, float]]:
    """Each scenario (``--only`` or ``only`` selects) against one server; figures and RSS."""
    from bench.scenarios import Inputs, scenarios

    only = only or set(options.only)
    results: dict[str, WrkResult] = {}
    peak_rss: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as scratch:
        with BenchServer(database_url, ceiling_bytes=0) as probe:
            inputs = Inputs.prepare(probe.url, database_url, Path(scratch))
        with BenchServer(database_url, ceiling_bytes=inputs.list_page_bytes) as server:
            chosen = [
                s for s in scenarios(inputs) if not only or {s.name, s.name.split(":")[0]} & only
            ]
            for scenario in chosen:
                result, peak_rss[scenario.name] = measure(wrk, server, scenario, options)
                results[scenario.name] = result
                _print(scenario.name, result)
            # Two of ours whose ratio is a target, equal in cost: a second round in the
            # opposite order, so that a drift in the machine's load weighs on both alike.
            paired = [s for s in chosen if s.name in PAIRED]
            if len(paired) == len(PAIRED):
                for scenario in reversed(paired):
                    result, _ = measure(wrk, server, scenario, options)
                    results[scenario.name] = results[scenario.name].mean(result)
                    _print(f"{scenario.name} (2 rounds)", results[scenario.name])
    return results, peak_rss


PAIRED = ("first_page:ours_uncached", "deep_page:ours_uncached")


def _print(name: str, result: WrkResult) -> None:
    print(
        f"  {name:<28} {result.requests_per_second:>9.0f} req/s  "
        f"p50 {result.p50_ms:>7.2f} ms  p99 {result.p99_ms:>7.2f} ms"
        + (f"  ({result.errors} errors)" if result.errors else ""),
        flush=True,
    )


SCALE_SCENARIOS = {"list:ours", "list:ours_uncached", "detail:ours", "detail:ours_uncached"}


def scale(wrk: str, options: Options) -> int:
    """List and detail p50 at each size; the target compares the largest with the smallest."""
    from bench.database import prepare_database
    from bench.report import render_scale

    sizes = sorted(options.scale)
    curve: dict[str, dict[str, float]] = {}
    for size in sizes:
        database = prepare_database(size, fresh=options.fresh)
        print(f"benchmark database: {database.name} ({size} trainers)", flush=True)
        results, _ = run_scenarios(wrk, database.url, options, SCALE_SCENARIOS)
        curve[str(size)] = {name: r.p50_ms for name, r in results.items()}
    report = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "options": asdict(options),
        "p50_ms": curve,
    }
    print()
    print(render_scale(report))
    options.results.mkdir(parents=True, exist_ok=True)
    stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S}"
    out = options.results / f"scale-{'-'.join(map(str, sizes))}-{stamp}.json"
    out.write_text(json.dumps(report, indent=2, default=str))
    print(f"\nfigures written to {out}")
    return 0


def measure(
    wrk: str, server: BenchServer, scenario: Scenario, options: Options
) -> tuple[WrkResult, float]:
    """One scenario's figures and the server's peak RSS while it ran.

    Our routes get an unmeasured warm-up of the same load; the cached ones (``:ours``)
    first request each of their paths once, so that they measure the cache's steady
    state while ``:ours_uncached`` measures every request missing it. Django's routes run one
    request at a time in its sync thread, so 32 connections queue behind each other:
    they get a longer run and timeout (so that queued requests still count) and no
    warm-up, and the next scenario starts only once Django's queue is drained.
    """
    duration, timeout = options.duration, 10
    if scenario.django:
        duration, timeout = max(options.duration, options.baseline_seconds), 60
        server.warm(scenario.sample_path, requests=3, headers=scenario.headers)
    else:
        server.warm(scenario.sample_path, headers=scenario.headers)
        server.prime(scenario.prime)
        if options.warmup:
            run_wrk(
                wrk,
                server.url,
                scenario.script,
                scenario.args,
                duration=options.warmup,
                connections=options.connections,
                threads=options.threads,
            )
    with RssSampler(server.pid) as rss:
        result = run_wrk(
            wrk,
            server.url,
            scenario.script,
            scenario.args,
            duration=duration,
            connections=options.connections,
            threads=options.threads,
            timeout=timeout,
        )
    server.drain()
    return result, rss.peak_mb


def machine() -> dict[str, Any]:
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
    }


class RssSampler:
    """Peak resident memory of the server process (and its children) while a load runs."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                procs = [self.process, *self.process.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in procs)
            except psutil.Error:
                break
            self.peak_mb = max(self.peak_mb, rss / 2**20)
            self._stop.wait(0.2)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


if __name__ == "__main__":
    raise SystemExit(main())
