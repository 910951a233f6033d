"""``metrics.record`` sums in plain dicts and hands the sums to prometheus_client: the
exported counter and histogram must be exactly what observing each request would give."""

from __future__ import annotations

import random

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest

from config.observability import metrics


def _lines(registry: CollectorRegistry, route: str) -> list[str]:
    text = generate_latest(registry).decode()
    return sorted(line for line in text.splitlines() if route in line and "_created" not in line)


def test_flushed_sums_equal_one_observation_a_request() -> None:
    route = f"/record-test/{random.randrange(10**9)}"
    registry = CollectorRegistry()
    requests = Counter("http_requests_total", "", ["method", "route", "status"], registry=registry)
    buckets = metrics.DURATION._upper_bounds[:-1]
    durations = Histogram(
        "http_request_duration_seconds", "", ["method", "route"], buckets=buckets, registry=registry
    )
    rng = random.Random(5)
    record = metrics.Record()
    for _ in range(500):
        status = rng.choice((200, 304, 404))
        seconds = rng.choice((None, 0.0, 0.001, 0.0049, 0.01, rng.random() / 10, 3.0, 99.0))
        record("GET", route, status, seconds)
        requests.labels("GET", route, str(status)).inc()
        if seconds is not None:
            durations.labels("GET", route).observe(seconds)
    record.flush()
    theirs = _lines(registry, route)
    ours = _lines(REGISTRY, route)
    assert len(theirs) > 10
    assert ours == theirs


def test_counts_wait_at_most_a_flush_interval() -> None:
    route = f"/record-wait/{random.randrange(10**9)}"
    record = metrics.Record()
    record("GET", route, 200, 0.01)
    assert not _lines(REGISTRY, route)  # not yet handed over
    record._due = 0.0  # the interval has passed: the next request flushes
    record("GET", route, 200, 0.02)
    assert any('status="200"} 2.0' in line for line in _lines(REGISTRY, route))
