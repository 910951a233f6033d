"""Prometheus metrics, served at ``/metrics`` in the text format.

Per route template (never the raw path, which would grow without bound):
``http_requests_total`` and ``http_request_duration_seconds``. At scrape time:
the query side's pool (``psycopg_pool`` stats), its response cache, the open change-feed streams,
and how far the read side lags behind the primary when it reads a replica.

Each worker process has its own counters. With ``PROMETHEUS_MULTIPROC_DIR`` set
(an empty folder, emptied at every start), counters and histograms of every
worker of the machine are summed on each scrape; the pool, stream and lag
gauges are those of the worker that answers. ``METRICS_TOKEN`` requires
``Authorization: Bearer <token>`` (production refuses to start without one,
config/settings.py). GET and HEAD only; any other method is a 405.
"""

from __future__ import annotations

import bisect
import hmac
import logging
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import Receive, Scope, Send

logger = logging.getLogger(__name__)

PATH = "/metrics"
MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests answered, by route template.",
    ["method", "route", "status"],
)
DURATION = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request (streams excluded), by route template.",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

# Primary: the WAL written so far. Replica: how much of it is replayed, and when
# the last replayed transaction committed (0 s when nothing is waiting to replay).
PRIMARY_LSN = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"
REPLICA_STATE = """
SELECT pg_is_in_recovery(),
       pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint,
       CASE WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END,
       (SELECT coalesce(max(id), 0) FROM read.change)
"""


# The histogram's upper bounds, +Inf last, as prometheus_client files an observation.
BOUNDS = (*DURATION._upper_bounds,)
# How long counts may wait in a process before they reach prometheus_client.
FLUSH_SECONDS = 1.0


class Record:
    """Counts answered requests, per route template.

    A request adds to plain dicts; the sums reach prometheus_client's counter and
    histogram at most ``FLUSH_SECONDS`` later, and before every scrape of this process
    (``MetricsEndpoint``). prometheus_client takes a lock for each increment (three a
    request): about a tenth of a cached answer's cost on a real server. Only the event
    loop's thread records (the ASGI middleware, for Django's requests too), so the dicts
    need no lock. With several workers (``PROMETHEUS_MULTIPROC_DIR``) a scrape sees the
    other workers' counts as of their last flush, at most ``FLUSH_SECONDS`` old.
    """

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, int], int] = {}
        # Per (method, route): the sum of seconds, then a count per bucket of BOUNDS.
        self._durations: dict[tuple[str, str], list[float]] = {}
        self._due = time.monotonic() + FLUSH_SECONDS
        self._requests: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[tuple[str, str], Any] = {}

    def __call__(self, method: str, route: str, status: int, seconds: float | None) -> None:
        key = (method, route, status)
        counts = self._counts
        counts[key] = counts.get(key, 0) + 1
        if seconds is not None:
            sums = self._durations.get(key[:2])
            if sums is None:
                sums = self._durations[key[:2]] = [0.0] * (len(BOUNDS) + 1)
            sums[0] += seconds
            sums[1 + bisect.bisect_left(BOUNDS, seconds)] += 1
        if time.monotonic() >= self._due:
            self.flush()

    def flush(self) -> None:
        """Hand what was counted since the last flush to prometheus_client."""
        counts, self._counts = self._counts, {}
        durations, self._durations = self._durations, {}
        self._due = time.monotonic() + FLUSH_SECONDS
        for key, n in counts.items():
            counter = self._requests.get(key)
            if counter is None:
                method, route, status = key
                counter = self._requests[key] = REQUESTS.labels(method, route, str(status))
            counter.inc(n)
        for labels, sums in durations.items():
            histogram = self._histograms.get(labels)
            if histogram is None:
                histogram = self._histograms[labels] = DURATION.labels(*labels)
            # What Histogram.observe does for each observation, once for the sums.
            histogram._sum.inc(sums[0])
            for bucket, observed in zip(histogram._buckets, sums[1:], strict=True):
                if observed:
                    bucket.inc(observed)


record = Record()


class ScrapeTimeCollector(Collector):
    """Gauges read when scraped: values another object already holds."""

    def __init__(self, samples: Callable[[], dict[str, tuple[str, float]]]) -> None:
        self.samples = samples

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pid = str(os.getpid())
        for name, (help_text, value) in self.samples().items():
            gauge = GaugeMetricFamily(name, help_text, labels=["pid"])
            gauge.add_metric([pid], value)
            yield gauge


class MetricsEndpoint:
    """``/metrics``: pure ASGI, reads the query app's pool and feed from its state."""

    def __init__(self, query_app: Any, write_dsn: Callable[[], str]) -> None:
        self.query_app = query_app
        self.write_dsn = write_dsn
        self.token = os.environ.get("METRICS_TOKEN", "")
        self._gauges: dict[str, tuple[str, float]] = {}
        self.registry = CollectorRegistry(auto_describe=False)
        if MULTIPROCESS:
            from prometheus_client import multiprocess

            multiprocess.MultiProcessCollector(self.registry)
        else:
            self.registry.register(REQUESTS)
            self.registry.register(DURATION)
        self.registry.register(ScrapeTimeCollector(lambda: self._gauges))

    def authorized(self, scope: Scope) -> bool:
        if not self.token:
            return True
        for name, value in scope["headers"]:
            if name == b"authorization":
                return hmac.compare_digest(value, f"Bearer {self.token}".encode())
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("method", "GET") not in {"GET", "HEAD"}:
            await _respond(send, 405, b"method not allowed\n", [(b"allow", b"GET, HEAD")])
            return
        if not self.authorized(scope):
            await _respond(send, 401, b"unauthorized\n", [(b"www-authenticate", b"Bearer")])
            return
        self._gauges = await self.gauges()
        record.flush()  # this process's counts, up to this request
        body = generate_latest(self.registry)
        await _respond(send, 200, body, [(b"content-type", CONTENT_TYPE_LATEST.encode())])

    async def gauges(self) -> dict[str, tuple[str, float]]:
        state = getattr(self.query_app, "state", None)
        found: dict[str, tuple[str, float]] = {}
        pool = getattr(state, "pool", None)
        if pool is not None:
            for key, value in pool.get_stats().items():
                found[f"readapi_pool_{key}"] = (f"psycopg_pool statistic {key}.", float(value))
        reader = getattr(state, "reader", None)
        if reader is not None:
            for key, (text, value) in reader.lender.stats().items():
                found[f"readapi_lender_{key}"] = (text, float(value))
        notifier = getattr(state, "notifier", None)
        if notifier is not None:
            found["readapi_feed_streams"] = ("Open change-feed streams.", notifier.streams)
            found["readapi_feed_listening"] = (
                "1 while the change-feed listener is connected.",
                float(notifier.listening.is_set()),
            )
        purger = getattr(state, "purger", None)
        if purger is not None:
            stats = purger.stats
            found["cdn_purge_leader"] = ("1 in the process that purges the edges.", stats.leader)
            found["cdn_purge_lag_seconds"] = (
                "Seconds from an announced change to its purge on every edge (last round).",
                stats.last_lag,
            )
            found["cdn_purge_rounds"] = ("Purge rounds sent to every edge.", stats.purges)
            found["cdn_purge_failures"] = (
                "Purge rounds that failed and were kept.",
                stats.failures,
            )
            found["cdn_purge_pending_keys"] = ("Keys waiting for the next round.", stats.pending)
        cache = getattr(state, "cache", None)
        if cache is not None:
            found["readapi_cache_hits"] = ("Answers served from the response cache.", cache.hits)
            found["readapi_cache_misses"] = ("Answers the cache did not hold.", cache.misses)
            found["readapi_cache_evictions"] = (
                "Entries evicted to stay within READ_CACHE_MB.",
                cache.evictions,
            )
            found["readapi_cache_entries"] = ("Entries in the response cache.", len(cache))
            found["readapi_cache_bytes"] = ("Bytes the response cache holds.", cache.size)
        if pool is not None:
            try:
                found.update(await self.lag(pool))
            except Exception as exc:  # a scrape must not fail for want of the lag
                logger.warning("metrics: read-model lag unavailable: %s", exc)
        return found

    async def lag(self, pool: Any) -> dict[str, tuple[str, float]]:
        started = time.monotonic()
        async with pool.connection(timeout=2) as conn:
            row = await (await conn.execute(REPLICA_STATE)).fetchone()
        in_recovery, replayed, seconds, newest_change = row
        found: dict[str, tuple[str, float]] = {
            "read_model_newest_change_id": (
                "Newest change-feed id the query side can read.",
                float(newest_change),
            ),
            "read_model_replay_lag_seconds": (
                "Seconds the query side's replica is behind (0: primary, or caught up).",
                float(seconds or 0) if in_recovery else 0.0,
            ),
        }
        lag_bytes = 0.0
        if in_recovery:
            async with await psycopg.AsyncConnection.connect(
                self.write_dsn(), autocommit=True, connect_timeout=2
            ) as primary:
                written = await (await primary.execute(PRIMARY_LSN)).fetchone()
            lag_bytes = float(max(int(written[0]) - int(replayed), 0)) if written else 0.0
        found["read_model_replay_lag_bytes"] = (
            "WAL bytes written on the primary and not yet replayed by the query side's replica.",
            lag_bytes,
        )
        found["read_model_lag_probe_seconds"] = (
            "Time the lag probe took.",
            time.monotonic() - started,
        )
        return found


async def _respond(
    send: Send, status: int, body: bytes, headers: list[tuple[bytes, bytes]]
) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
