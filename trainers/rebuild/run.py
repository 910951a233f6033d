"""A whole rebuild (build, catch up, swap) under the rebuild lock, and a whole check."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from trainers.projection import Difference
from trainers.rebuild.build import build_shadow
from trainers.rebuild.catchup import catch_up
from trainers.rebuild.common import (
    RELATIONS,
    Progress,
    RebuildBusy,
    RebuildReport,
    ms_since,
    silent,
    snapshot_transaction,
)
from trainers.rebuild.swap import LOCK_TIMEOUT_MS, SWAP_ATTEMPTS, swap

logger = logging.getLogger(__name__)

# Session-level advisory lock held by a running rebuild ("read" in ASCII).
REBUILD_LOCK = 0x72656164


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
    progress: Progress = silent,
    using: str = "default",
    lock_timeout_ms: int = LOCK_TIMEOUT_MS,
    attempts: int = SWAP_ATTEMPTS,
) -> RebuildReport:
    """Build the read model in ``read_shadow`` and swap it in; raise RebuildBusy if one runs."""
    connection = connections[using]
    report = RebuildReport()
    started = time.perf_counter()
    with _rebuild_lock(connection):
        snapshot = build_shadow(connection, report, progress)
        progress("catch up")
        phase_started = time.perf_counter()
        snapshot = catch_up(connection, snapshot, report)
        report.phases_ms["catch up"] = ms_since(phase_started)
        progress("swap")
        phase_started = time.perf_counter()
        swap(connection, snapshot, report, lock_timeout_ms, attempts)
        with connection.cursor() as cursor:
            cursor.execute("SELECT read.shadow_drop_old()")
            # The feed is written from events; writes that bypassed the handlers recorded
            # none. Publish whatever public documents the feed has not reported yet. (The
            # response caches already heard "*" from read.shadow_swap.)
            cursor.execute("SELECT read.publish_changes(NULL)")
        report.phases_ms["swap"] = ms_since(phase_started)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def read_model_check_relations(
    *, progress: Progress = silent, using: str = "default"
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
