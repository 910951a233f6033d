"""Catch-up: re-project into the shadow what writers changed since its snapshot."""

from __future__ import annotations

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from trainers.rebuild.common import RebuildReport, from_json

# Catch-up passes before the swap: stop after this many, or once one re-projects
# no more keys than CATCH_UP_ENOUGH (what is left is caught up inside the swap).
CATCH_UP_PASSES = 3
CATCH_UP_ENOUGH = 3


def catch_up(connection: BaseDatabaseWrapper, snapshot: str, report: RebuildReport) -> str:
    """Re-project into the shadow what writers changed since ``snapshot``, without
    blocking anyone; repeat while that keeps finding work, so that the swap,
    which blocks writers while it catches up, finds little left. Returns the
    snapshot the swap must catch up from."""
    for _ in range(CATCH_UP_PASSES):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_snapshot()::text")
            newer = cursor.fetchone()[0]
            cursor.execute("SELECT read.shadow_catch_up(%s::pg_snapshot)", [snapshot])
            caught = from_json(cursor.fetchone()[0])
        snapshot = newer
        report.catch_up_passes += 1
        for key, count in caught.items():
            report.caught_up[key] = report.caught_up.get(key, 0) + count
        if sum(caught.values()) <= CATCH_UP_ENOUGH:
            break
    return str(snapshot)
