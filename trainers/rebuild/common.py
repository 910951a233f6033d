"""What the phases of a rebuild share: its report, its relations, one-snapshot transactions."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

RELATIONS = ("branch", "specialty", "trainer", "class", "search_term")

Progress = Callable[[str], None]


def silent(phase: str) -> None:
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


def _nested(connection: BaseDatabaseWrapper) -> bool:
    """Inside an enclosing transaction (tests): its snapshot rules, savepoints only."""
    return len(connection.savepoint_ids) > 0


def _ready(connection: BaseDatabaseWrapper) -> None:
    """Connect (and run Django's health check) now, so that a transaction's first
    statement can be SET TRANSACTION."""
    with connection.cursor():
        pass


def from_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def ms_between(start: Any, end: float) -> float:
    return round((end - float(start)) * 1000, 1)


def ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
