"""Writes made by this process invalidate the read side's response cache at their commit.

Every statement that may change data, run through any Django connection of the
process (command handlers, admin, ops, management commands, raw SQL), bumps the
read side's generation when its transaction commits: in ``on_commit``, so before
the view returns and the writer's response is sent. Other processes hear of it
through ``NOTIFY`` (``readapi/cache.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.signals import connection_created

from readapi.cache import GENERATION

# Statements that only read; anything else (INSERT, UPDATE, DELETE, TRUNCATE, COPY,
# a function call such as ``SELECT read.rebuild()``) may change the read model.
_READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "SET", "SHOW", "BEGIN", "COMMIT")


def _may_write(sql: object) -> bool:
    text = str(sql).lstrip()[:40].upper()
    if text.startswith("SELECT"):
        # Function calls may write (read.rebuild()); FOR UPDATE locks only.
        return "READ." in text
    return not text.startswith(_READS)


def bump_after_write(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    result = execute(sql, params, many, context)
    if _may_write(sql):
        connection: BaseDatabaseWrapper = context["connection"]
        if connection.in_atomic_block:
            transaction.on_commit(GENERATION.bump, using=connection.alias)
        else:
            GENERATION.bump()
    return result


def _wrap(connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    if bump_after_write not in connection.execute_wrappers:
        connection.execute_wrappers.append(bump_after_write)


def install() -> None:
    """Wrap this thread's open connections and every connection opened from now on."""
    connection_created.connect(_wrap, dispatch_uid="readcache")
    for connection in connections.all(initialized_only=True):
        _wrap(connection)
