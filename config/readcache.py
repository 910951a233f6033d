"""Writes made by this process evict what they changed from the read side's cache at commit.

The database says what changed: the projection records the keys it announced in the
writer's session (``read.announce`` in ``trainers/sql/current/announce.sql``). After a
transaction of this process that ran a statement other than a plain read commits (in
``on_commit``, so before the view returns and the writer's response is sent), one
statement reads and clears them, and the cache evicts exactly those keys. Other
processes hear the same keys through ``LISTEN read_keys`` (``readapi/feed.py``).

Which statements trigger the check is a cheap guess from their first word; a wrong
guess only costs one extra statement, or leaves the keys to the NOTIFY that the other
processes get, which reaches this one a moment later too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

from readapi import keys
from readapi.cache import ResponseCache

# Statements that only read; anything else (INSERT, UPDATE, DELETE, TRUNCATE, COPY,
# a function call such as ``SELECT read.rebuild()``) may change the read model.
_READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "SET", "SHOW", "BEGIN", "COMMIT")
ANNOUNCED = (
    "SELECT current_setting('read.announced', true), {position},"
    " set_config('read.announced', '', false)"
)
PRIMARY_POSITION = "pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"


def _may_write(sql: object) -> bool:
    text = str(sql).lstrip()[:40].upper()
    if text.startswith("SELECT"):
        # Function calls may write (read.rebuild()); FOR UPDATE locks only.
        return "READ." in text and "READ.ANNOUNCED" not in text
    return not text.startswith(_READS)


class CommitHook:
    """The execute wrapper: after a commit that may have written, evict its keys."""

    def __init__(self, cache: ResponseCache, *, fence: bool) -> None:
        self.cache = cache
        self.query = ANNOUNCED.format(position=PRIMARY_POSITION if fence else "NULL")
        self.callbacks: dict[str, Callable[[], None]] = {}

    def __call__(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: dict[str, Any]
    ) -> Any:
        result = execute(sql, params, many, ctx)
        if _may_write(sql):
            connection: BaseDatabaseWrapper = ctx["connection"]
            if not connection.in_atomic_block:
                self.evict(connection)
            else:
                callback = self.callbacks.get(connection.alias)
                if callback is None:
                    alias = connection.alias
                    callback = self.callbacks[alias] = lambda: self.evict(connections[alias])
                # Once per transaction, however many statements it runs.
                if not any(entry[1] is callback for entry in connection.run_on_commit):
                    transaction.on_commit(callback, using=connection.alias)
        return result

    def evict(self, connection: BaseDatabaseWrapper) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute(self.query)
                row = cursor.fetchone()
        except DatabaseError:
            # The connection broke after the commit: the NOTIFY still reaches every
            # process; this one hears it from its listener.
            return
        if row and row[0]:
            self.cache.announce(keys.parse(row[0]), row[1])


def install(cache: ResponseCache, *, fence: bool = False) -> None:
    """Wrap this thread's open connections and every connection opened from now on.

    ``fence``: the query side reads a replica; the cache also learns the primary's
    position after the commit, so it keeps no answer read before the replica has it.
    """
    hook = CommitHook(cache, fence=fence)

    def wrap(connection: BaseDatabaseWrapper, **kwargs: object) -> None:
        if not any(isinstance(w, CommitHook) for w in connection.execute_wrappers):
            connection.execute_wrappers.append(hook)

    connection_created.connect(wrap, dispatch_uid="readcache", weak=False)
    for connection in connections.all(initialized_only=True):
        wrap(connection)
