"""The harness's parts that need no database: the ceiling process, the plan, the targets."""

from __future__ import annotations

import ast
import random
from pathlib import Path
from typing import Any

import httpx

from bench.ceiling import body
from bench.inputs import zipf
from bench.measure import Outcome
from bench.report import MIXED, targets
from bench.scale import scale_targets
from bench.scenarios import CEILING, LUA, SCALE_SCENARIOS, Scenario, plan
from bench.server import CeilingServer
from bench.tables import markdown, render
from bench.writer import WriterStats
from bench.wrk import WrkResult

ROOT = Path(__file__).resolve().parents[2]


def test_the_ceiling_is_a_process_of_its_own_answering_a_body_of_the_size_asked() -> None:
    with CeilingServer(4321) as ceiling:
        answer = httpx.get(f"{ceiling.url}/any/path?q=1", timeout=5)
        assert answer.status_code == 200
        assert len(answer.content) == 4321
        assert answer.headers["content-length"] == "4321"
        assert answer.json()["pad"].startswith("x")
        pid = ceiling.pid
        assert "bench.ceiling:app" in Path(f"/proc/{pid}/cmdline").read_text()
    assert ceiling.process is not None
    assert ceiling.process.poll() is not None, "the harness stops the ceiling it started"
    assert len(body(10)) == 10


def test_no_production_module_imports_the_benchmark() -> None:
    for package in ("config", "readapi", "trainers"):
        for source in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text())):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                for name in names:
                    assert name.split(".")[0] != "bench", f"{source} imports {name}"
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    assert "BENCH_BASELINES" not in node.value, source
                    assert not node.value.startswith("bench."), (source, node.value)


def _scenario(name: str, server: str = "app") -> Scenario:
    return Scenario(name, LUA / "paths.lua", [], "/", server=server)


def test_plan_brackets_the_reads_with_the_ceiling_and_runs_pairs_abba() -> None:
    names = [
        CEILING,
        "list:ours",
        "first_page:ours_uncached",
        "deep_page:ours_uncached",
        "detail_zipf:ours",
        MIXED,
        "facets:ours",
        "write:ours",
    ]
    selected = [_scenario(n, "ceiling" if n == CEILING else "app") for n in names]
    assert [s.name for s in plan(selected)] == [
        CEILING,
        "list:ours",
        "first_page:ours_uncached",
        "deep_page:ours_uncached",
        "deep_page:ours_uncached",
        "first_page:ours_uncached",
        "detail_zipf:ours",
        MIXED,
        MIXED,
        "detail_zipf:ours",
        "facets:ours",
        CEILING,
        "write:ours",
    ]


def test_a_scenario_in_two_pairs_runs_next_to_each_partner() -> None:
    names = [
        "first_page:ours_uncached",
        "deep_page:ours_uncached",
        "detail:ours_uncached",
        "page_directory:ours_uncached",
        "page_profile:ours_uncached",
    ]
    assert [s.name for s in plan([_scenario(n) for n in names])] == [
        "first_page:ours_uncached",
        "deep_page:ours_uncached",
        "deep_page:ours_uncached",
        "first_page:ours_uncached",
        "detail:ours_uncached",
        "page_directory:ours_uncached",
        "page_directory:ours_uncached",
        "first_page:ours_uncached",
        "page_profile:ours_uncached",
        "page_profile:ours_uncached",
        "detail:ours_uncached",
    ]


def test_every_round_of_a_scenario_weighs_the_same() -> None:
    outcome = Outcome()
    for rps in (1000.0, 2000.0, 6000.0):
        outcome.add(
            "first_page:ours_uncached", WrkResult(rps, rps / 1000, rps / 100, 10, 0), 1, None
        )
    result = outcome.results["first_page:ours_uncached"]
    assert result.requests_per_second == 3000.0
    assert (result.p50_ms, result.p99_ms, result.requests) == (3.0, 30.0, 30)
    assert outcome.rounds["first_page:ours_uncached"] == [1000.0, 2000.0, 6000.0]


def test_zipf_draws_favour_the_first_ids() -> None:
    ids = [str(i) for i in range(1000)]
    draws = zipf(ids, random.Random(1))
    hot = sum(1 for d in draws if int(d) < 10)
    # Uniform draws would put 1% on the first ten ids; 1/r weights put ~39% there.
    assert 0.3 < hot / len(draws) < 0.5


def _report(**rps: float) -> dict[str, Any]:
    results = {
        name.replace("__", ":"): {
            "requests_per_second": value,
            "p50_ms": 10.0,
            "p99_ms": 30.0,
            "requests": 100,
            "errors": 0,
        }
        for name, value in rps.items()
    }
    return {
        "results": results,
        "rounds_rps": {CEILING: [9000.0, 11000.0]},
        "peak_rss_mb": {"list:ours": 120.0},
        "writer": {MIXED: WriterStats(5.0, writes=49, seconds=10.0).as_dict()},
        "read_model_check": {"clean": True, "output": []},
        "database": {"trainers": 2000, "seed_seconds": 3.0, "rebuild_seconds": 1.0},
    }


def test_targets_compare_like_with_like_in_the_same_run() -> None:
    report = _report(
        ceiling__bare_asgi=10000,
        detail__ours_uncached=4000,
        list__ours_uncached=900,
        search__ours_uncached=500,
        detail_zipf__ours=8000,
        detail_zipf__ours_writes=7000,
        list__ours=15000,
        list__naive_drf=15,
    )
    rows = {t["target"]: t for t in targets(report)}
    assert rows["detail past the cache / bare ASGI ceiling"]["value"] == 0.4
    assert rows["detail past the cache / bare ASGI ceiling"]["met"] is True
    assert rows["list page past the cache / bare ASGI ceiling"]["met"] is False
    assert rows["search past the cache / list page past the cache"]["value"] == 0.556
    assert rows["Zipf detail under 5 PATCH/s / the same reads without writes"]["value"] == 0.875
    assert rows["check_read_model after the write load"]["met"] is True
    assert rows["search past the cache: p99 ms"]["met"] is True
    hit = rows["info: list: cache hit vs uncached DRF (ours cached / naive DRF)"]
    assert (hit["value"], hit["goal"], hit["met"]) == (1000.0, "info", None)
    drift = rows["info: the ceiling after the reads / before them (machine drift)"]
    assert drift["value"] == 1.222
    # A scenario that did not run gives no verdict, rather than a false one.
    assert rows["writes: command PATCH / plain DRF PATCH"]["met"] is None
    report["targets"] = list(rows.values())
    assert "detail past the cache / bare ASGI ceiling" in render(report)
    report.update(
        when="now",
        machine={"cpus": 2, "memory_gb": 4, "platform": "linux", "python": "3.11"},
        options={"threads": 2, "connections": 32, "duration": 10},
    )
    assert "| detail past the cache / bare ASGI ceiling | 0.4 | >= 0.35 | yes |" in markdown(report)


def test_the_production_application_serves_no_baseline(app_client: Any) -> None:
    """The baselines live behind ``bench/asgi.py`` alone."""
    for path in ("/bench/naive/trainers/", "/bench/ceiling", "/bench/plain/trainers/"):
        assert app_client.get(path).status_code == 404, path


def test_the_scale_target_is_search_and_list_and_detail_are_reported() -> None:
    curve = {
        "10000": {"search:ours_uncached": 20.0, "list:ours_uncached": 10.0},
        "100000": {"search:ours_uncached": 30.0, "list:ours_uncached": 11.0},
    }
    rows = {t["target"]: t for t in scale_targets(curve)}
    search = rows["search:ours_uncached: p50 at 100,000 / p50 at 10,000"]
    assert (search["value"], search["goal"], search["met"]) == (1.5, "<= 1.3", False)
    listed = rows["list:ours_uncached: p50 at 100,000 / p50 at 10,000"]
    assert (listed["value"], listed["goal"], listed["met"]) == (1.1, "info", None)
    assert "search:ours_uncached" in SCALE_SCENARIOS
