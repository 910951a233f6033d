"""What is kept, and for how long: idempotency records and the change feed's log.

- Idempotency records (which hold a response body, with a trainer's email, phone and
  date of birth) expire ``IDEMPOTENCY_TTL_HOURS`` (24) after they were made: a key is
  then free again (trainers/api/idempotency.py), and the record is pruned.
- ``read.change`` keeps ``CHANGE_RETENTION_DAYS`` (30) of changes; older ones are
  pruned (never the newest), and ``read.change_horizon`` records the highest id gone, so
  a feed client resuming from before it is told to resync (readapi/feed.py).

``prune()`` does both in one transaction, under a transaction-level advisory lock: two
runs never overlap (a second one returns at once, ``ran=False``). It runs from
``manage.py prune_retention`` and periodically inside the app (config/jobs.py), where
one process at a time holds the job (a session-level advisory lock).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from trainers.models import IdempotencyRecord

logger = logging.getLogger(__name__)

# Advisory lock keys (any two distinct bigints): one prune at a time; one periodic runner.
PRUNE_LOCK = 0x7472_6169_6E01
RUNNER_LOCK = 0x7472_6169_6E02

# The first change at or after the cutoff, found from the oldest id forward (ids follow
# commit order), so the cost is the rows pruned; the newest change always stays.
PRUNE_CHANGES = """
WITH bounds AS (
    SELECT coalesce((SELECT id FROM read.change WHERE changed_at >= %(cutoff)s
                      ORDER BY id LIMIT 1),
                    (SELECT max(id) FROM read.change)) AS first_kept
), gone AS (
    DELETE FROM read.change WHERE id < (SELECT first_kept FROM bounds) RETURNING id
), horizon AS (
    UPDATE read.change_horizon
       SET pruned_through = greatest(pruned_through, (SELECT coalesce(max(id), 0) FROM gone))
)
SELECT count(*) FROM gone
"""


@dataclass(frozen=True, slots=True)
class Pruned:
    ran: bool
    idempotency_records: int = 0
    changes: int = 0


def idempotency_ttl() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_TTL_HOURS)


def change_retention() -> timedelta:
    return timedelta(days=settings.CHANGE_RETENTION_DAYS)


def prune(now: datetime | None = None) -> Pruned:
    """Delete expired idempotency records and changes past the retention window."""
    now = now or timezone.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [PRUNE_LOCK])
        (locked,) = cursor.fetchone()
        if not locked:
            return Pruned(ran=False)
        records, _ = IdempotencyRecord.objects.filter(
            created_at__lt=now - idempotency_ttl()
        ).delete()
        cursor.execute(PRUNE_CHANGES, {"cutoff": now - change_retention()})
        (changes,) = cursor.fetchone()
    result = Pruned(ran=True, idempotency_records=records, changes=int(changes))
    logger.info(
        "retention: pruned %d idempotency records and %d changes",
        result.idempotency_records,
        result.changes,
        extra={"idempotency_records": result.idempotency_records, "changes": result.changes},
    )
    return result
