"""Slugs resolved to ids: branches and specialties before a search, a trainer's for its profile.

With the ids as parameters, PostgreSQL estimates a filter from its statistics
and walks ``(branch_id, sort_key, id)`` in order, stopping after one page; with
sub-selects in the statement it cannot see the values, guesses a handful of
rows, and fetches and sorts every match instead (80 ms instead of 0.4 ms for a
branch and a specialty at 100,000 trainers; docs/performance.md).

The map is loaded once and trusted under the same rule as the response cache
(``readapi/cache.py``): while no change to the ``facets`` key was announced since,
the change listener is connected and ``READ_CACHE_SECONDS`` have not elapsed. An
unknown slug reloads it once before it is declared unknown, so a branch created
elsewhere is found.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from psycopg import AsyncConnection

from readapi import keys
from readapi.cache import ResponseCache, cache_seconds
from readapi.queries import InvalidQuery, TrainerSearch
from readapi.reader import Reader

SLUGS = "SELECT 'b', slug, id FROM read.branch UNION ALL SELECT 's', slug, id FROM read.specialty"


FACETS = frozenset({keys.FACETS})


@dataclass
class SlugIds:
    cache: ResponseCache
    seconds: float = field(default_factory=cache_seconds)
    branches: dict[str, int] = field(default_factory=dict)
    specialties: dict[str, int] = field(default_factory=dict)
    loaded_at: int = -1
    expires: float = 0.0

    def fresh(self) -> bool:
        return (
            self.loaded_at >= 0
            and not self.cache.stale(FACETS, self.loaded_at)
            and time.monotonic() < self.expires
        )

    async def load(self, conn: AsyncConnection) -> None:
        ticket = self.cache.ticket()
        rows = await (await conn.execute(SLUGS)).fetchall()
        self.branches = {slug: id_ for kind, slug, id_ in rows if kind == "b"}
        self.specialties = {slug: id_ for kind, slug, id_ in rows if kind == "s"}
        self.loaded_at, self.expires = ticket, time.monotonic() + self.seconds

    async def resolve(
        self, conn: AsyncConnection, query: TrainerSearch
    ) -> tuple[int | None, list[int]] | None:
        """The branch id and the specialty ids, or None when the map cannot be trusted."""
        if not self.cache.listening():
            return None
        if not self.fresh():
            await self.load(conn)
        found = self._lookup(query)
        if found is None:
            await self.load(conn)
            found = self._lookup(query)
        if found is None:
            if query.branch and query.branch not in self.branches:
                raise InvalidQuery("branch", f"Unknown branch {query.branch!r}.")
            raise InvalidQuery("specialty", "Unknown specialty in " + ", ".join(query.specialties))
        return found

    def _lookup(self, query: TrainerSearch) -> tuple[int | None, list[int]] | None:
        branch_id = self.branches.get(query.branch) if query.branch else None
        ids = [self.specialties.get(s) for s in sorted(set(query.specialties))]
        if (query.branch and branch_id is None) or None in ids:
            return None
        return branch_id, [i for i in ids if i is not None]


# A current slug first (it always wins), else the trainer that had it last
# (read.trainer.former_slugs; a former slug belongs to one trainer at most, and never
# to a slug some trainer holds now: trainers/sql/current/slugs.sql).
TRAINER_BY_SLUG = """
(SELECT id::text, slug FROM read.trainer WHERE slug = %(slug)s)
UNION ALL
(SELECT id::text, slug FROM read.trainer WHERE former_slugs @> ARRAY[%(slug)s]::text[] ORDER BY id)
LIMIT 1
"""
# Slugs remembered at most; past it the map starts again (a flood of made-up slugs
# finds nothing, and nothing unknown is remembered).
MAX_TRAINER_SLUGS = 10_000


@dataclass(frozen=True, slots=True)
class SlugOwner:
    """The public trainer a slug leads to, and the trainer's current slug."""

    id: str  # canonical text
    slug: str


@dataclass
class TrainerSlugs:
    """A public trainer's slug, current or former, resolved to the trainer, for
    ``/query/trainers/{slug}``.

    A resolution is trusted until the trainer's key (``t:<id>``) is announced. Which
    trainer a slug leads to changes only by a change to the trainer it led to: its
    slug or former slugs change, or it stops being public (its read row changes); and
    a slug another trainer takes leaves the former slugs of the trainer that had it.
    """

    cache: ResponseCache
    found: dict[str, tuple[SlugOwner, int]] = field(default_factory=dict)

    async def resolve(
        self, reader: Reader, slug: str, token: int | None = None
    ) -> SlugOwner | None:
        known = self.found.get(slug)
        if known is not None and self.cache.listening():
            owner, ticket = known
            if not self.cache.stale((keys.trainer(owner.id),), ticket):
                return owner
        ticket = self.cache.ticket()
        async with reader.connection(token) as read:
            row = await (await read.conn.execute(TRAINER_BY_SLUG, {"slug": slug})).fetchone()
        if row is None:
            self.found.pop(slug, None)
            return None
        if len(self.found) >= MAX_TRAINER_SLUGS:
            self.found.clear()
        owner = SlugOwner(row[0], row[1])
        self.found[slug] = (owner, ticket)
        return owner
