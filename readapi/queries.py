"""The reference book's ``IQueryHandler``, made real: one typed query in, one typed result out.

Queries are frozen dataclasses of primitives, one per intent. Results are JSON
documents PostgreSQL already serialized, with the ETag of the versions they
were built from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, TypeVar

Q_contra = TypeVar("Q_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)


class QueryHandler(Protocol[Q_contra, R_co]):
    """What every route holds: ``handle`` answers one query from the read model alone."""

    async def handle(self, query: Q_contra) -> R_co: ...


@dataclass(frozen=True, slots=True)
class Document:
    """A ready-to-send JSON body and its entity tag (without quotes).

    ``read_at``: the replay position of the replica it was read from (None: a primary);
    the response cache keeps it only if that is past every change it was told of.
    """

    body: bytes
    etag: str
    read_at: int | None = None


@dataclass(frozen=True, slots=True)
class TrainerSearch:
    branch: str | None = None
    specialties: tuple[str, ...] = ()
    shift: str | None = None
    position: str | None = None
    weekday: int | None = None
    q: str | None = None
    limit: int = 20
    cursor: str | None = None
    # A consistency token (WAL position) the answer must include: readapi/reader.py.
    token: int | None = None


@dataclass(frozen=True, slots=True)
class TrainerGet:
    # The canonical text of the trainer's id (lower case, hyphenated): it names the cache
    # entry and the key as it is, with no UUID object made per request.
    id: str
    token: int | None = None


@dataclass(frozen=True, slots=True)
class BranchList:
    token: int | None = None


@dataclass(frozen=True, slots=True)
class SpecialtyList:
    token: int | None = None


@dataclass(frozen=True, slots=True)
class TimetableGet:
    branch: str | None = None
    weekday: int | None = None
    limit: int = 200
    cursor: str | None = None
    token: int | None = None


class InvalidQuery(Exception):
    """A query the read model cannot answer as asked (unknown filter value, stale cursor)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
