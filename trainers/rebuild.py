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
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import DatabaseError, OperationalError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import sql

from trainers.projection import Difference

logger = logging.getLogger(__name__)

RELATIONS = ("branch", "specialty", "trainer", "class", "search_term")
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
# Sessions (connections) that build the shadow side by side, from one snapshot: the
# derivation is CPU work, and one session uses one core. read.trainer, most of the
# work, is loaded in parts. Inside an enclosing transaction (tests) the build runs in
# that transaction's own session, whose uncommitted rows no other session can see.
BUILD_SESSIONS = 2
TRAINER_PARTS = 4
# The relations loaded in TRAINER_PARTS parts (each row belongs to one trainer).
SPLIT = ("trainer", "search_term")

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
    # Each relation's load from its start to its end; loads run side by side in
    # ``build_sessions`` sessions, so they may add up to more than the build took.
    phases_ms: dict[str, float] = field(default_factory=dict)
    build_sessions: int = 1
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
            # And the facet lists, which the rebuild may have corrected with no trainer.
            cursor.execute("SELECT read.announce_facets()")
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
    if connection.in_atomic_block or BUILD_SESSIONS < 2:
        # Other sessions could not see what this transaction has not committed.
        return _build_shadow_in_one_session(connection, report, progress)
    alias = connection.alias
    report.build_sessions = BUILD_SESSIONS
    with transaction.atomic(using=alias), connection.cursor() as cursor:
        for rel in RELATIONS:
            cursor.execute("SELECT read.shadow_create(%s)", [rel])
        cursor.execute("SELECT read.shadow_functions()")
    # This transaction holds the snapshot while the sessions import it for their loads.
    with snapshot_transaction(alias) as cursor:
        cursor.execute(
            "SELECT pg_current_snapshot()::text, (SELECT max(id) FROM trainers_event),"
            " pg_export_snapshot()"
        )
        snapshot, report.snapshot_event_id, exported = cursor.fetchone()
        parts = {rel: TRAINER_PARTS if rel in SPLIT else 1 for rel in RELATIONS}
        # The largest first, so that the sessions finish together.
        order = sorted(RELATIONS, key=lambda rel: rel not in (*SPLIT, "class"))
        jobs = [
            (rel, _load_job(rel, part, parts[rel], exported))
            for rel in order
            for part in range(parts[rel])
        ]
        results = _in_sessions(alias, jobs, progress=lambda rel: progress(f"load read.{rel}"))
    for rel in RELATIONS:
        loads = [result for label, result, _ in results if label == rel]
        report.relations[rel] = {
            key: sum(load[key] for load in loads) for key in ("rows", "corrected", "removed")
        }
        spans = [span for label, _, span in results if label == rel]
        report.phases_ms[f"load read.{rel}"] = round(
            (max(end for _, end in spans) - min(start for start, _ in spans)) * 1000, 1
        )
    progress("index")
    phase_started = time.perf_counter()
    _in_sessions(alias, [(rel, _index_job(rel)) for rel in order])
    report.phases_ms["index"] = _ms_since(phase_started)
    return str(snapshot)


def _load_job(rel: str, part: int, parts: int, exported: str) -> Callable[[Any], Any]:
    def job(connection: BaseDatabaseWrapper) -> Any:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(
                sql.SQL("SET TRANSACTION SNAPSHOT {}")
                .format(sql.Literal(exported))
                .as_string(connection.connection)
            )
            cursor.execute("SELECT read.shadow_load(%s, %s, %s)", [rel, part, parts])
            return _json(cursor.fetchone()[0])

    return job


def _index_job(rel: str) -> Callable[[Any], Any]:
    def job(connection: BaseDatabaseWrapper) -> Any:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SELECT read.shadow_index(%s)", [rel])
        # Visibility map and hint bits now, not on the first reads after the swap;
        # the swap's anti-joins then run as index-only scans.
        with connection.cursor() as cursor:
            cursor.execute(f'VACUUM read_shadow."{rel}"')

    return job


Job = Callable[[Any], Any]


def _in_sessions(
    alias: str, jobs: list[tuple[str, Job]], *, progress: Callable[[str], None] = _silent
) -> list[tuple[str, Any, tuple[float, float]]]:
    """Run ``jobs`` (label, function of a connection) in BUILD_SESSIONS threads, each
    with a connection of its own; call ``progress(label)`` here, in the caller's
    thread, when a label's first job starts. Returns (label, result, (start, end))
    per job; raises the first error once every thread has stopped."""
    pending: queue.SimpleQueue[tuple[str, Job]] = queue.SimpleQueue()
    for item in jobs:
        pending.put(item)
    events: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()

    def session() -> None:
        connection = connections[alias]
        try:
            while True:
                try:
                    label, job = pending.get_nowait()
                except queue.Empty:
                    return
                events.put(("start", label))
                started = time.perf_counter()
                result = job(connection)
                events.put(("done", (label, result, (started, time.perf_counter()))))
        except BaseException as exc:  # handed to the caller's thread, raised there
            events.put(("error", exc))
        finally:
            connection.close()
            events.put(("stopped", None))

    threads = [
        threading.Thread(target=session, name=f"read-model-build-{n}", daemon=True)
        for n in range(min(BUILD_SESSIONS, len(jobs)))
    ]
    for thread in threads:
        thread.start()
    results: list[tuple[str, Any, tuple[float, float]]] = []
    errors: list[BaseException] = []
    started: set[str] = set()
    running = len(threads)
    while running:
        kind, value = events.get()
        if kind == "start" and value not in started:
            started.add(value)
            try:
                progress(value)
            except BaseException as exc:
                errors.append(exc)
        elif kind == "done":
            results.append(value)
        elif kind == "error":
            errors.append(value)
        elif kind == "stopped":
            running -= 1
        if errors:  # the sessions stop after the job at hand
            while True:
                try:
                    pending.get_nowait()
                except queue.Empty:
                    break
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def _build_shadow_in_one_session(
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
