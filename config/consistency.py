"""Every successful command response carries a consistency token (``X-Consistency-Token``).

The token is the primary's WAL write position read right after the command
committed. With ``synchronous_commit`` on (the default; ``local`` and
``remote_*`` also flush locally), COMMIT returns only once the commit record is
flushed, so the write position is at or past the end of that record: a replica
whose ``pg_last_wal_replay_lsn()`` has reached the token has replayed the commit.
The insert position (``pg_current_wal_insert_lsn()``) would also include it, but
when the last record ends on a page boundary it points past the next page header,
which a replica's replay position never reaches until more WAL arrives.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponseBase

from config import lsn

logger = logging.getLogger(__name__)

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PREFIXES = ("/api/", "/ops/")


def current_token() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            row = cursor.fetchone()
    except DatabaseError as exc:
        # The command has committed; its response must not turn into an error for this.
        logger.warning("no consistency token: %s", exc)
        return None
    return str(row[0]) if row else None


class ConsistencyTokenMiddleware:
    """Adds the token to successful unsafe requests under ``/api/`` and ``/ops/``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            request.method in UNSAFE
            and 200 <= response.status_code < 300
            and request.path.startswith(PREFIXES)
            and lsn.HEADER not in response
        ):
            token = current_token()
            if token:
                response[lsn.HEADER] = token
        return response
