"""``make bench`` works end to end: a tiny database, seconds a scenario, every route 2xx.

No timing is asserted (a shared machine makes absolute figures meaningless);
this proves the harness: seeding, the server with its baselines, wrk and its
scripts, the report and its JSON.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench.report import READ_SCENARIOS

ROOT = Path(__file__).resolve().parents[2]
BASELINES = ("list:naive_drf", "search:naive_drf", "detail:naive_drf", "detail:ceiling")
WRITES = ("write:ours", "write:plain_drf")

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
        "--baseline-seconds=3",
        "--connections=4",
        f"--database={name}",
        f"--results={tmp_path}",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=540)
    assert done.returncode == 0, done.stdout + done.stderr

    report = json.loads((tmp_path / "latest.json").read_text())
    results = report["results"]
    uncached = ("first_page:ours_uncached", "deep_page:ours_uncached", "deep_page:naive_drf")
    for name in (*READ_SCENARIOS, *BASELINES, *WRITES, *uncached):
        assert name in results, name
        assert results[name]["requests"] > 0, name
        assert results[name]["errors"] == 0, (name, results[name])
    assert {t["target"] for t in report["targets"]} >= {"deep page / first page (uncached)"}
    assert "list, filtered" in done.stdout
