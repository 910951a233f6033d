"""Running the scenarios: warm-up, load, the server's memory, and the staff writer."""

from __future__ import annotations

import tempfile
import threading
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from bench.inputs import Inputs
from bench.options import Options
from bench.pages import page_weights
from bench.photos import UPLOADS, time_uploads
from bench.scenarios import MEDIA, PAGES, Scenario, chosen, plan, scenarios
from bench.server import BenchServer, CeilingServer, UvicornProcess, free_port
from bench.varnish import Varnish, start_varnish, varnishd
from bench.writer import StaffWriter, WriterStats
from bench.wrk import WrkResult, run_wrk


@dataclass
class Outcome:
    """The figures of one run; a scenario run more than once is the mean of its rounds."""

    results: dict[str, WrkResult] = field(default_factory=dict)
    rounds: dict[str, list[float]] = field(default_factory=dict)
    runs: dict[str, list[WrkResult]] = field(default_factory=dict)
    peak_rss_mb: dict[str, float] = field(default_factory=dict)
    writer: dict[str, WriterStats] = field(default_factory=dict)
    inputs: dict[str, int] = field(default_factory=dict)
    # Through the edge: its hit rate and the app's purge figures (bench/varnish.py).
    edge: dict[str, dict[str, float]] = field(default_factory=dict)
    # 3-megapixel uploads, timed (bench/photos.py).
    photos: dict[str, Any] = field(default_factory=dict)
    # KB of the public pages with their CSS and JS, compressed (bench/pages.py).
    page_kb: dict[str, float] = field(default_factory=dict)

    def add(
        self,
        name: str,
        result: WrkResult,
        rss_mb: float,
        writer: WriterStats | None,
        edge: dict[str, float] | None = None,
    ) -> WrkResult:
        runs = self.runs.setdefault(name, [])
        runs.append(result)
        self.results[name] = WrkResult.mean(runs) if len(runs) > 1 else result
        self.rounds.setdefault(name, []).append(result.requests_per_second)
        self.peak_rss_mb[name] = max(self.peak_rss_mb.get(name, 0.0), rss_mb)
        if writer is not None:
            earlier = self.writer.get(name)
            self.writer[name] = earlier.merge(writer) if earlier else writer
        if edge is not None:
            self.edge[name] = edge
        return self.results[name]

    def as_dict(self) -> dict[str, Any]:
        return {
            "results": {name: asdict(r) for name, r in self.results.items()},
            "rounds_rps": self.rounds,
            "peak_rss_mb": self.peak_rss_mb,
            "writer": {name: w.as_dict() for name, w in self.writer.items()},
            "inputs": self.inputs,
            "edge": self.edge,
            "photos": {k: v for k, v in self.photos.items() if k != "renditions"},
            "page_kb": self.page_kb,
        }


def run_scenarios(
    wrk: str, database_url: str, options: Options, only: frozenset[str] | None = None
) -> Outcome:
    """Each scenario (``--only`` or ``only`` selects) in the order of ``plan``."""
    outcome = Outcome()
    # With Varnish installed, an edge in front of the app, which purges it by key.
    edge_port = free_port() if varnishd() else None
    purge = {"CDN_PURGE_URLS": f"http://127.0.0.1:{edge_port}"} if edge_port else {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as scratch,
        BenchServer(database_url, purge) as app,
        ExitStack() as stack,
    ):
        inputs = Inputs.prepare(app.url, database_url, Path(scratch))
        outcome.inputs = {
            "ids": len(inputs.ids),
            "zipf_draws": len(inputs.zipf_ids),
            "filters": len(inputs.filters),
            "search_terms": len(inputs.terms),
            "list_page_bytes": inputs.list_page_bytes,
        }
        with CeilingServer(inputs.list_page_bytes) as ceiling:
            servers: dict[str, UvicornProcess | Varnish] = {"app": app, "ceiling": ceiling}
            if edge_port is not None:
                edge = start_varnish([("127.0.0.1", app.port)], port=edge_port)
                stack.callback(edge.stop)
                servers["edge"] = edge
            seen: set[str] = set()
            selected = chosen(scenarios(inputs), set(only or options.only))
            if any(s.name.split(":")[0] in PAGES for s in selected) and inputs.slugs:
                pages = {"directory": "/", "profile": f"/trainers/{inputs.slugs[0]}"}
                outcome.page_kb = page_weights(app.url, pages)
            if any(s.name == MEDIA for s in selected):
                # The uploads first: the media scenario requests their renditions.
                outcome.photos = time_uploads(app.url, inputs.token, inputs.ids[-UPLOADS:])
                print(_uploads(outcome.photos), flush=True)
                renditions = outcome.photos["renditions"]
                mixed = [
                    renditions[n // 4 % len(renditions)] if n % 5 == 4 else path
                    for n, path in enumerate(f"/query/trainers/{i}" for i in inputs.zipf_ids)
                ]
                for s in selected:
                    if s.name == MEDIA:
                        s.args[0] = str(inputs.paths_file("detail_media", mixed))
                        s.sample_path, s.prime = renditions[0], mixed
            for scenario in plan([s for s in selected if s.server in servers]):
                result, rss, writer, at_edge = measure(wrk, servers, scenario, options, inputs)
                overall = outcome.add(scenario.name, result, rss, writer, at_edge)
                label = scenario.name if scenario.name not in seen else f"{scenario.name} (2)"
                seen.add(scenario.name)
                _print(label, result, overall if label != scenario.name else None, writer)
    return outcome


def measure(
    wrk: str,
    servers: dict[str, UvicornProcess | Varnish],
    scenario: Scenario,
    options: Options,
    inputs: Inputs,
) -> tuple[WrkResult, float, WriterStats | None, dict[str, float] | None]:
    """One scenario's figures, the server's peak RSS while it ran, the writer's, and the
    edge's (its hit rate and the app's purge lag) when it ran through the edge.

    Our routes and the ceiling get an unmeasured warm-up of the same load; the cached
    ones first request each of their distinct paths once, so that they measure the
    cache's steady state while ``:ours_uncached`` measures every request missing it.
    Django's routes run one request at a time in its sync thread, so 32 connections
    queue behind each other: they get a longer run and timeout (so that queued requests
    still count) and no warm-up, and the next scenario starts only once Django's queue
    is drained. A scenario with writes runs the staff writer through its warm-up and
    its load.
    """
    app = servers["app"]
    assert isinstance(app, BenchServer)
    server = servers[scenario.server]
    duration, timeout = options.duration, 10
    if scenario.django:
        duration, timeout = max(options.duration, options.baseline_seconds), 60
        app.warm(scenario.sample_path, requests=3, headers=scenario.headers)
    elif server is app:
        app.warm(scenario.sample_path, headers=scenario.headers)
        app.prime(scenario.prime)

    def load(seconds: int, timeout: int = 10) -> WrkResult:
        return run_wrk(
            wrk,
            server.url,
            scenario.script,
            scenario.args,
            duration=seconds,
            connections=options.connections,
            threads=options.threads,
            timeout=timeout,
        )

    with ExitStack() as stack:
        writer = None
        if scenario.writes_per_second:
            writer = stack.enter_context(
                StaffWriter(app.url, inputs.token, inputs.ids, scenario.writes_per_second)
            )
        if options.warmup and not scenario.django:
            load(options.warmup)
        before = server.counters() if isinstance(server, Varnish) else None
        with RssSampler(server.pid) as rss:
            result = load(duration, timeout)
        at_edge = None
        if isinstance(server, Varnish) and before is not None:
            at_edge = edge_figures(before, server.counters(), app.url)
    app.drain()
    return result, rss.peak_mb, writer.stats if writer else None, at_edge


def _uploads(photos: dict[str, Any]) -> str:
    return (
        f"photo uploads: {photos['uploads']} x {photos['megapixels']} MP JPEG "
        f"({photos['bytes'] // 1024} KiB): mean {photos['mean_s']} s, "
        f"p50 {photos['p50_s']} s, max {photos['max_s']} s each"
    )


def edge_figures(before: dict[str, int], after: dict[str, int], app_url: str) -> dict[str, float]:
    """The edge's hit rate over the load, and the app's purge figures after it."""
    hits = after.get("cache_hit", 0) - before.get("cache_hit", 0)
    misses = after.get("cache_miss", 0) - before.get("cache_miss", 0)
    purge: dict[str, float] = {}
    for line in httpx.get(f"{app_url}/metrics", timeout=10).text.splitlines():
        name, _, value = line.partition("{")
        if name.startswith("cdn_purge_"):
            purge[name] = float(value.rpartition(" ")[2])
    return {
        "hits": float(hits),
        "misses": float(misses),
        "hit_rate": hits / max(hits + misses, 1),
        "purge_lag_s": purge.get("cdn_purge_lag_seconds", -1.0),
        "purge_rounds": purge.get("cdn_purge_rounds", 0.0),
        "purge_failures": purge.get("cdn_purge_failures", 0.0),
    }


def _print(
    name: str, result: WrkResult, overall: WrkResult | None, writer: WriterStats | None
) -> None:
    line = (
        f"  {name:<28} {result.requests_per_second:>9.0f} req/s  "
        f"p50 {result.p50_ms:>7.2f} ms  p99 {result.p99_ms:>7.2f} ms"
    )
    if result.errors:
        line += f"  ({result.errors} errors)"
    if overall:
        line += f"  [2 rounds: {overall.requests_per_second:.0f} req/s]"
    if writer:
        line += f"  writer {writer.per_second:.2f} PATCH/s, {writer.failed} failed"
    print(line, flush=True)


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
