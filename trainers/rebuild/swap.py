"""Swap: one short transaction that catches up the last changes and puts the shadow in
place (``read.shadow_swap``), retried when its locks are not granted in time."""

from __future__ import annotations

import logging
import time

from django.db import OperationalError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from trainers.rebuild.common import RebuildReport, from_json, ms_between, ms_since

logger = logging.getLogger(__name__)

# Waits past these are abandoned and retried, so writers and readers queued
# behind the swap's locks never wait longer than one timeout.
LOCK_TIMEOUT_MS = 1000
SWAP_ATTEMPTS = 20
_RETRYABLE = {"55P03", "40P01"}  # lock_not_available, deadlock_detected


def swap(
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
                swapped = from_json(cursor.fetchone()[0])
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
        report.writers_blocked_ms = ms_between(swapped.pop("writers_locked_at"), committed)
        report.readers_blocked_ms = ms_between(swapped.pop("readers_locked_at"), committed)
        report.reprojected = swapped.pop("reprojected")
        report.swap_ms = swapped | {"total_ms": ms_since(started)}
        return
