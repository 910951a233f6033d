"""Rebuild the read model without downtime, and check it, one relation at a time.

A rebuild derives every read relation into schema ``read_shadow`` from one
snapshot, indexes and analyzes it, then swaps it in with one short
transaction that re-projects whatever writers changed since that snapshot
(``read.shadow_swap``). docs/read-model.md ("Rebuilding without downtime")
explains why no reader sees a half-built model and no write is lost.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import DatabaseError, OperationalError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from trainers.projection import Difference

logger = logging.getLogger(__name__)

RELATIONS = ("branch", "specialty", "trainer", "class")
# Session-level advisory lock held by a running rebuild ("read" in ASCII).
REBUILD_LOCK = 0x72656164
# Waits past these are abandoned and retried, so writers and readers queued
# behind the swap's locks never wait longer than one timeout.
LOCK_TIMEOUT_MS = 1000
SWAP_ATTEMPTS = 20
# Catch-up passes before the swap: stop after this many, or once one re-projects
# no more keys than CATCH_UP_ENOUGH (what is left is caught up inside the swap).
CATCH_UP_PASSES = 3
CATCH_UP_ENOUGH = 3
_RETRYABLE = {"55P03", "40P01"}  # lock_not_available, deadlock_detected

Progress = Callable[[str], None]


def _silent(phase: str) -> None:
    pass


class RebuildBusy(Exception):
    """Another rebuild is running (it holds the rebuild lock)."""


@dataclass
class RebuildReport:
    relations: dict[str, dict[str, int]] = field(default_factory=dict)
    snapshot_event_id: int | None = None
    # Keys changed by writers during the build, caught up before the swap without
    # blocking anyone, then those changed meanwhile, caught up inside the swap.
    caught_up: dict[str, int] = field(default_factory=dict)
    catch_up_passes: int = 0
    reprojected: dict[str, int] = field(default_factory=dict)
    swap_attempts: int = 0
    # Writers wait from the swap's write locks to its commit; readers only for the
    # renames and the re-projection at its end.
    writers_blocked_ms: float = 0.0
    readers_blocked_ms: float = 0.0
    swap_ms: dict[str, float] = field(default_factory=dict)
    phases_ms: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def differences(self) -> int:
        """Rows the rebuild corrected or removed, as of its snapshot."""
        return sum(r["corrected"] + r["removed"] for r in self.relations.values())

    def as_json(self) -> dict[str, Any]:
        return asdict(self) | {"differences": self.differences}


def rebuild_phases() -> list[str]:
    return [f"load read.{rel}" for rel in RELATIONS] + ["index", "catch up", "swap"]


def check_phases() -> list[str]:
    return [f"check read.{rel}" for rel in RELATIONS]


def rebuild_running(using: str = "default") -> bool:
    """Whether some session holds the rebuild lock."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND objid = %s AND classid = 0 AND objsubid = 1"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))",
            [REBUILD_LOCK],
        )
        return bool(cursor.fetchone()[0])


def read_model_swap_rebuild(
    *,
    progress: Progress = _silent,
    using: str = "default",
    lock_timeout_ms: int = LOCK_TIMEOUT_MS,
    attempts: int = SWAP_ATTEMPTS,
) -> RebuildReport:
    """Build the read model in ``read_shadow`` and swap it in; raise RebuildBusy if one runs."""
    connection = connections[using]
    report = RebuildReport()
    started = time.perf_counter()
    with _rebuild_lock(connection):
        snapshot = _build_shadow(connection, report, progress)
        progress("catch up")
        phase_started = time.perf_counter()
        snapshot = _catch_up(connection, snapshot, report)
        report.phases_ms["catch up"] = _ms_since(phase_started)
        progress("swap")
        phase_started = time.perf_counter()
        _swap(connection, snapshot, report, lock_timeout_ms, attempts)
        with connection.cursor() as cursor:
            cursor.execute("SELECT read.shadow_drop_old()")
            # The feed is written from events; writes that bypassed the handlers recorded
            # none. Announce whatever public documents the feed has not reported yet, which
            # also tells every process's response cache (they listen to the feed).
            cursor.execute("SELECT read.publish_changes(NULL)")
        report.phases_ms["swap"] = _ms_since(phase_started)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def read_model_check_relations(
    *, progress: Progress = _silent, using: str = "default"
) -> list[Difference]:
    """Every difference from a fresh derivation, all relations read from one snapshot."""
    differences: list[Difference] = []
    with snapshot_transaction(using, read_only=True) as cursor:
        for rel in RELATIONS:
            progress(f"check read.{rel}")
            cursor.execute("SELECT relation, key, problem FROM read.check_relation(%s)", [rel])
            differences.extend(Difference(*row) for row in cursor.fetchall())
    return differences


@contextmanager
def snapshot_transaction(using: str = "default", *, read_only: bool = False) -> Iterator[Any]:
    """A transaction whose statements all read one snapshot (REPEATABLE READ).

    Inside an enclosing transaction (a test's), a savepoint of it instead.
    """
    connection = connections[using]
    _ready(connection)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if not _nested(connection):
            mode = ", READ ONLY" if read_only else ""
            cursor.execute(f"SET TRANSACTION ISOLATION LEVEL REPEATABLE READ{mode}")
        yield cursor


def _build_shadow(
    connection: BaseDatabaseWrapper, report: RebuildReport, progress: Progress
) -> str:
    """Derive every relation into read_shadow from one snapshot; return that snapshot."""
    with snapshot_transaction(connection.alias) as cursor:
        cursor.execute("SELECT pg_current_snapshot()::text, (SELECT max(id) FROM trainers_event)")
        snapshot, report.snapshot_event_id = cursor.fetchone()
        for rel in RELATIONS:
            progress(f"load read.{rel}")
            phase_started = time.perf_counter()
            cursor.execute("SELECT read.shadow_create(%s)", [rel])
            if rel == RELATIONS[-1]:
                cursor.execute("SELECT read.shadow_functions()")
            cursor.execute("SELECT read.shadow_load(%s)", [rel])
            report.relations[rel] = _json(cursor.fetchone()[0])
            report.phases_ms[f"load read.{rel}"] = _ms_since(phase_started)
        progress("index")
        phase_started = time.perf_counter()
        for rel in RELATIONS:
            cursor.execute("SELECT read.shadow_index(%s)", [rel])
    if not connection.in_atomic_block:
        # Visibility map and hint bits now, not on the first reads after the swap;
        # the swap's anti-joins then run as index-only scans.
        with connection.cursor() as cursor:
            for rel in RELATIONS:
                cursor.execute(f'VACUUM read_shadow."{rel}"')
    report.phases_ms["index"] = _ms_since(phase_started)
    return str(snapshot)


def _catch_up(connection: BaseDatabaseWrapper, snapshot: str, report: RebuildReport) -> str:
    """Re-project into the shadow what writers changed since ``snapshot``, without
    blocking anyone; repeat while that keeps finding work, so that the swap,
    which blocks writers while it catches up, finds little left. Returns the
    snapshot the swap must catch up from."""
    for _ in range(CATCH_UP_PASSES):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_snapshot()::text")
            newer = cursor.fetchone()[0]
            cursor.execute("SELECT read.shadow_catch_up(%s::pg_snapshot)", [snapshot])
            caught = _json(cursor.fetchone()[0])
        snapshot = newer
        report.catch_up_passes += 1
        for key, count in caught.items():
            report.caught_up[key] = report.caught_up.get(key, 0) + count
        if sum(caught.values()) <= CATCH_UP_ENOUGH:
            break
    return str(snapshot)


def _swap(
    connection: BaseDatabaseWrapper,
    snapshot: str,
    report: RebuildReport,
    lock_timeout_ms: int,
    attempts: int,
) -> None:
    for attempt in range(1, attempts + 1):
        report.swap_attempts = attempt
        started = time.perf_counter()
        try:
            with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
                cursor.execute("SELECT current_setting('lock_timeout')")
                previous = cursor.fetchone()[0]
                cursor.execute(
                    "SELECT set_config('lock_timeout', %s, true)", [f"{lock_timeout_ms}ms"]
                )
                cursor.execute("SELECT read.shadow_swap(%s::pg_snapshot)", [snapshot])
                swapped = _json(cursor.fetchone()[0])
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
            with connection.cursor() as cursor:
                cursor.execute("SELECT extract(epoch FROM clock_timestamp())")
                committed = float(cursor.fetchone()[0])
        except OperationalError as exc:
            if getattr(exc.__cause__, "sqlstate", None) not in _RETRYABLE or attempt == attempts:
                raise
            logger.info("read model swap: %s; retrying (attempt %d)", exc, attempt)
            time.sleep(min(0.05 * attempt, 0.5))
            continue
        report.writers_blocked_ms = _ms_between(swapped.pop("writers_locked_at"), committed)
        report.readers_blocked_ms = _ms_between(swapped.pop("readers_locked_at"), committed)
        report.reprojected = swapped.pop("reprojected")
        report.swap_ms = swapped | {"total_ms": _ms_since(started)}
        return


@contextmanager
def _rebuild_lock(connection: BaseDatabaseWrapper) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [REBUILD_LOCK])
        if not cursor.fetchone()[0]:
            raise RebuildBusy("Another rebuild of the read model is running.")
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [REBUILD_LOCK])
        except DatabaseError:
            # An aborted transaction: closing the session is what releases the lock then.
            logger.warning("read model rebuild: closing the connection to release its lock")
            connection.close()


def _nested(connection: BaseDatabaseWrapper) -> bool:
    """Inside an enclosing transaction (tests): its snapshot rules, savepoints only."""
    return len(connection.savepoint_ids) > 0


def _ready(connection: BaseDatabaseWrapper) -> None:
    """Connect (and run Django's health check) now, so that a transaction's first
    statement can be SET TRANSACTION."""
    with connection.cursor():
        pass


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _ms_between(start: Any, end: float) -> float:
    return round((end - float(start)) * 1000, 1)


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
