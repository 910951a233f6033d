"""Where the server's time goes under one scenario's load: py-spy samples, summarized.

    .venv/bin/python bench/profile.py --trainers 5000 --scenario detail:ours

Runs wrk against one scenario while ``py-spy record`` samples the server, then
prints the functions with the most samples, by own time and including callees.
The raw collapsed stacks stay in ``bench/results/profile-<scenario>.txt``
(open them with speedscope or flamegraph.pl for the full picture).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.options import RESULTS, require_wrk  # noqa: E402
from bench.wrk import run_wrk  # noqa: E402


def summarize(collapsed: str, top: int) -> str:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        own[frames[-1]] += n
        for frame in set(frames):
            inclusive[frame] += n
    lines = [f"{total} samples"]
    for title, counter in (("own time", own), ("including callees", inclusive)):
        lines.append(f"\n-- {title}")
        for frame, n in counter.most_common(top):
            lines.append(f"{100 * n / max(total, 1):5.1f}%  {frame}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainers", type=int, default=5000)
    parser.add_argument("--scenario", default="detail:ours")
    parser.add_argument("--duration", type=int, default=8)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--native", action="store_true", help="include C frames")
    options = parser.parse_args(argv)
    wrk = require_wrk()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")

    from bench.database import prepare_database
    from bench.inputs import Inputs
    from bench.scenarios import scenarios
    from bench.server import BenchServer

    database = prepare_database(options.trainers)
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as scratch,
        BenchServer(database.url) as server,
    ):
        inputs = Inputs.prepare(server.url, database.url, Path(scratch))
        scenario = next(s for s in scenarios(inputs) if s.name == options.scenario)
        if scenario.server != "app":
            sys.exit(f"{scenario.name} is not served by the app: nothing to profile")
        server.warm(scenario.sample_path, headers=scenario.headers)
        out = RESULTS / f"profile-{options.scenario.replace(':', '_')}.txt"
        RESULTS.mkdir(parents=True, exist_ok=True)
        record = [
            py_spy,
            "record",
            "--pid",
            str(server.pid),
            "--format",
            "raw",
            "--output",
            str(out),
            "--duration",
            str(options.duration),
            "--rate",
            "250",
            "--nonblocking",
            *(["--native"] if options.native else []),
        ]
        result: list[object] = []
        load = threading.Thread(
            target=lambda: result.append(
                run_wrk(
                    wrk,
                    server.url,
                    scenario.script,
                    scenario.args,
                    duration=options.duration,
                    connections=32,
                    threads=2,
                )
            )
        )
        load.start()
        subprocess.run(record, check=True, capture_output=True, timeout=options.duration + 60)
        load.join()
    print(result[0] if result else "wrk gave no result")
    print(summarize(out.read_text(), options.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
