"""Run wrk and read its figures."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class WrkResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int

    @staticmethod
    def mean(rounds: list[WrkResult]) -> WrkResult:
        """Rounds of one scenario as one: mean rates and percentiles, summed counts."""
        n = len(rounds)
        return WrkResult(
            round(sum(r.requests_per_second for r in rounds) / n, 2),
            round(sum(r.p50_ms for r in rounds) / n, 2),
            round(sum(r.p99_ms for r in rounds) / n, 2),
            sum(r.requests for r in rounds),
            sum(r.errors for r in rounds),
        )


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS_MS[match.group(2)]


def parse(output: str) -> WrkResult:
    def latency(percent: str) -> float:
        match = re.search(rf"^\s*{percent}%\s+(\S+)", output, re.MULTILINE)
        if not match:
            raise ValueError(f"wrk printed no {percent}% latency:\n{output}")
        return _ms(match.group(1))

    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if not rps or not total:
        raise ValueError(f"could not read wrk's output:\n{output}")
    errors = int(non2xx.group(1)) if non2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        p50_ms=latency("50"),
        p99_ms=latency("99"),
        requests=int(total.group(1)),
        errors=errors,
    )


def run_wrk(
    wrk: str,
    base_url: str,
    script: Path,
    args: list[str],
    *,
    duration: int,
    connections: int,
    threads: int,
    timeout: int = 10,
) -> WrkResult:
    command = [
        wrk,
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "--timeout",
        f"{timeout}s",
        "-s",
        str(script),
        base_url,
        "--",
        *args,
    ]
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + timeout + 60, check=False
    )
    if completed.returncode != 0:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr}")
    return parse(completed.stdout)
