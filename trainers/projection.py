"""The read model seen from Python: check it, or defer it during a bulk load.

The projection itself is SQL (``trainers/sql/``), run by triggers on the write
tables in the writer's transaction; nothing here is needed for it to happen.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connections, transaction


@dataclass(frozen=True, slots=True)
class Difference:
    relation: str
    key: str
    problem: str

    def __str__(self) -> str:
        return f"{self.relation} {self.key}: {self.problem}"


def read_model_check(using: str = "default") -> list[Difference]:
    """Every difference between the read model and a fresh derivation (empty when in step)."""
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT relation, key, problem FROM read.check()")
        return [Difference(*row) for row in cursor.fetchall()]


@contextmanager
def deferred_projection(using: str = "default") -> Iterator[None]:
    """One transaction in which triggers skip the projection; one rebuild before commit.

    For bulk loads where a projection per statement costs more than one rebuild.
    """
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute("SET LOCAL read.defer_projection = on")
        yield
        cursor.execute("SET LOCAL read.defer_projection = off")
        cursor.execute("SELECT read.rebuild()")
