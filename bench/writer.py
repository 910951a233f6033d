"""A steady staff writer: PATCHes trainers through the command API at a fixed pace.

Each write is what a staff client does: ``GET /api/trainers/{id}/`` for the current
version (its ``ETag``), then ``PATCH`` the bio with ``If-Match`` set to it. A 412
therefore means the harness used a stale version, and counts as a failed write.

The pace is kept by the clock: write ``k`` is due at ``k / per_second`` and starts
then on one of ``clients`` threads (several staff members at once), never on a
trainer another write is still changing. A write that cannot start because every
client is busy waits for one, so the achieved rate shows whether the server kept up.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from bench.inputs import BENCH_BIO

CLIENTS = 4


@dataclass
class WriterStats:
    paced_per_second: float
    writes: int = 0
    failed: int = 0
    stale: int = 0
    seconds: float = 0.0
    # Status codes (or exception names) of the failed requests.
    failures: dict[str, int] = field(default_factory=dict)

    @property
    def per_second(self) -> float:
        return round(self.writes / self.seconds, 2) if self.seconds else 0.0

    def merge(self, other: WriterStats) -> WriterStats:
        """Two rounds of the writer as one: summed counts and time."""
        return WriterStats(
            self.paced_per_second,
            self.writes + other.writes,
            self.failed + other.failed,
            self.stale + other.stale,
            round(self.seconds + other.seconds, 3),
            dict(Counter(self.failures) + Counter(other.failures)),
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "paced_per_second": self.paced_per_second,
            "writes": self.writes,
            "per_second": self.per_second,
            "failed": self.failed,
            "stale_412": self.stale,
            "seconds": self.seconds,
            "failures": self.failures,
        }


class StaffWriter:
    """``with StaffWriter(...) as writer:`` writes until the block ends; then ``writer.stats``."""

    def __init__(
        self,
        base_url: str,
        token: str,
        ids: list[str],
        per_second: float,
        *,
        clients: int = CLIENTS,
        seed: int = 11,
    ) -> None:
        self.stats = WriterStats(per_second)
        self._client = httpx.Client(
            base_url=base_url,
            headers={"Authorization": f"Token {token}"},
            timeout=30,
            limits=httpx.Limits(max_connections=clients),
        )
        self._ids = ids
        self._rng = random.Random(seed)
        self._slots = threading.BoundedSemaphore(clients)
        self._pool = ThreadPoolExecutor(clients, thread_name_prefix="staff-writer")
        self._lock = threading.Lock()
        self._busy: set[str] = set()
        self._failures: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pace, name="staff-writer-pace", daemon=True)
        self._started = 0.0

    def __enter__(self) -> StaffWriter:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)
        self._pool.shutdown(wait=True)
        self._client.close()
        self.stats.seconds = round(time.monotonic() - self._started, 3)
        self.stats.failures = dict(self._failures)

    def _pace(self) -> None:
        for k in range(10**9):
            due = self._started + k / self.stats.paced_per_second
            if self._stop.wait(max(0.0, due - time.monotonic())):
                return
            while not self._slots.acquire(timeout=0.1):
                if self._stop.is_set():
                    return
            with self._lock:
                trainer_id = self._rng.choice(self._ids)
                while trainer_id in self._busy:
                    trainer_id = self._rng.choice(self._ids)
                self._busy.add(trainer_id)
            self._pool.submit(self._write, trainer_id, k)

    def _write(self, trainer_id: str, k: int) -> None:
        try:
            outcome = self._patch(trainer_id, k)
        finally:
            with self._lock:
                self._busy.discard(trainer_id)
            self._slots.release()
        with self._lock:
            if outcome is None:
                self.stats.writes += 1
                return
            self.stats.failed += 1
            self._failures[outcome] += 1
            if outcome == "PATCH 412":
                self.stats.stale += 1

    def _patch(self, trainer_id: str, k: int) -> str | None:
        """None once written; else what failed (a status or an exception's name)."""
        url = f"/api/trainers/{trainer_id}/"
        try:
            current = self._client.get(url)
            if current.status_code != 200:
                return f"GET {current.status_code}"
            bio = f"{BENCH_BIO} {k}: steady staff edits while the readers read."
            done = self._client.patch(
                url, json={"bio": bio}, headers={"If-Match": current.headers["ETag"]}
            )
        except (httpx.HTTPError, KeyError) as error:
            return type(error).__name__
        return None if done.status_code == 200 else f"PATCH {done.status_code}"
