"""Build: derive every read relation into schema ``read_shadow`` from one snapshot, then
index and vacuum it, ready to be caught up and swapped in."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from psycopg import sql

from trainers.rebuild.common import (
    RELATIONS,
    Progress,
    RebuildReport,
    from_json,
    ms_since,
    snapshot_transaction,
)
from trainers.rebuild.sessions import BUILD_SESSIONS, in_sessions

# read.trainer, most of the work, is loaded in parts.
TRAINER_PARTS = 4
# The relations loaded in TRAINER_PARTS parts (each row belongs to one trainer).
SPLIT = ("trainer", "search_term")


def build_shadow(connection: BaseDatabaseWrapper, report: RebuildReport, progress: Progress) -> str:
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
        results = in_sessions(alias, jobs, progress=lambda rel: progress(f"load read.{rel}"))
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
    in_sessions(alias, [(rel, _index_job(rel)) for rel in order])
    report.phases_ms["index"] = ms_since(phase_started)
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
            return from_json(cursor.fetchone()[0])

    return job


def _index_job(rel: str) -> Callable[[Any], Any]:
    def job(connection: BaseDatabaseWrapper) -> Any:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SELECT read.shadow_index(%s)", [rel])
        _vacuum(connection, [rel])

    return job


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
            report.relations[rel] = from_json(cursor.fetchone()[0])
            report.phases_ms[f"load read.{rel}"] = ms_since(phase_started)
        progress("index")
        phase_started = time.perf_counter()
        for rel in RELATIONS:
            cursor.execute("SELECT read.shadow_index(%s)", [rel])
    if not connection.in_atomic_block:
        _vacuum(connection, RELATIONS)
    report.phases_ms["index"] = ms_since(phase_started)
    return str(snapshot)


def _vacuum(connection: BaseDatabaseWrapper, relations: tuple[str, ...] | list[str]) -> None:
    # Visibility map and hint bits now, not on the first reads after the swap;
    # the swap's anti-joins then run as index-only scans.
    with connection.cursor() as cursor:
        for rel in relations:
            cursor.execute(f'VACUUM read_shadow."{rel}"')
