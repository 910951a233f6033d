"""``make bench`` works end to end: a tiny database, a second a scenario, every route 2xx.

No timing is asserted (a shared machine makes absolute figures meaningless);
this proves the harness: seeding, the app with its baselines, the ceiling in its
own process, wrk and its scripts, the staff writer, ``check_read_model`` after the
writes, the report and its JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.photos import UPLOADS
from bench.report import MIXED, READ_SCENARIOS
from bench.scenarios import CEILING, MEDIA, PAIRS
from bench.scenarios import PAGES as PAGE_KINDS

ROOT = Path(__file__).resolve().parents[2]
BASELINES = ("list:naive_drf", "search:naive_drf", "detail:naive_drf", "deep_page:naive_drf")
UNCACHED = tuple(
    f"{kind}:ours_uncached" for kind in ("list", "first_page", "deep_page", "search", "detail")
)
PAGES = ("page_directory:ours", "page_profile:ours", *(f"{p}:ours_uncached" for p in PAGE_KINDS))
WRITES = ("write:ours", "write:plain_drf")
TARGETS = (
    "detail past the cache / bare ASGI ceiling",
    "list page past the cache / bare ASGI ceiling",
    "search past the cache / list page past the cache",
    "search past the cache: p99 ms",
    "Zipf detail under 5 PATCH/s / the same reads without writes",
    "deep page / first page, both past the cache",
    "writes: command PATCH / plain DRF PATCH",
    "check_read_model after the write load",
    "directory page / JSON first page, both past the cache",
    "profile page / JSON detail, both past the cache",
    "directory page weight: HTML + CSS + JS, gzip (KB)",
    "profile page weight: HTML + CSS + JS, gzip (KB)",
)

pytestmark = [pytest.mark.bench, pytest.mark.timeout(600)]


def test_make_bench_runs_every_scenario_and_writes_its_json(tmp_path: Path) -> None:
    if shutil.which("wrk") is None:
        if os.environ.get("CI"):
            pytest.fail("wrk is missing: .ci/run installs it")
        pytest.skip("needs wrk (apt-get install wrk)")
    # Its own database, so that concurrent test runs on one server do not collide.
    name = f"{os.environ.get('TEST_DATABASE_NAME', 'test_trainers')}_bench"
    command = [
        sys.executable,
        str(ROOT / "bench" / "run.py"),
        "--trainers=300",
        "--duration=1",
        "--warmup=0",
        "--baseline-seconds=2",
        "--connections=4",
        f"--database={name}",
        f"--results={tmp_path}",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=540)
    assert done.returncode == 0, done.stdout + done.stderr

    report = json.loads((tmp_path / "latest.json").read_text())
    results = report["results"]
    zipf = ("detail_zipf:ours", MIXED)
    every = (*READ_SCENARIOS, *BASELINES, *WRITES, *UNCACHED, *PAGES, *zipf, MEDIA, CEILING)
    for scenario in every:
        assert scenario in results, scenario
        assert results[scenario]["requests"] > 0, scenario
        assert results[scenario]["errors"] == 0, (scenario, results[scenario])
    # The ceiling before and after the reads; each pair A B B A (a scenario in two pairs
    # runs once more for the second).
    rounds = report["rounds_rps"]
    assert len(rounds[CEILING]) == 2
    for scenario in {name for pair in PAIRS for name in pair}:
        assert len(rounds[scenario]) == 1 + sum(scenario in pair for pair in PAIRS), scenario
    assert report["inputs"]["list_page_bytes"] > 1000
    assert report["inputs"]["search_terms"] >= 100
    # The staff writer wrote through the command API, with no stale version.
    writer = report["writer"][MIXED]
    assert writer["writes"] > 0, writer
    assert writer["failed"] == 0, writer
    assert report["read_model_check"]["clean"], report["read_model_check"]
    # The timed 3-megapixel uploads whose renditions the media scenario served.
    assert report["photos"]["uploads"] == UPLOADS, report["photos"]
    assert report["photos"]["megapixels"] >= 3 and report["photos"]["mean_s"] > 0
    rows = {t["target"]: t for t in report["targets"]}
    for target in TARGETS:
        assert target in rows, target
        assert rows[target]["value"] is not None, rows[target]
    for shown in (
        "info: photo upload, 3 MP JPEG: mean seconds each",
        "info: Zipf profiles with every fifth request a photo rendition / profiles alone",
    ):
        assert rows[shown]["value"] is not None, rows[shown]
    # Cache hits against the uncached DRF API are never a target.
    assert all(t["goal"] == "info" for t in report["targets"] if "cache hit" in t["target"])
    assert "check_read_model after the write load: clean" in done.stdout
