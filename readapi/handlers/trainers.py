"""``TrainerSearch`` and ``TrainerGet`` over ``read.trainer``."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

from readapi import cursor
from readapi.handlers import search
from readapi.handlers.slugs import SlugIds
from readapi.json import dumps
from readapi.queries import Document, InvalidQuery, TrainerGet, TrainerSearch

# Certifications that have expired are history, not qualifications: dropped at read time.
GET = """
SELECT t.item || t.profile || jsonb_build_object(
           'tenure_years', read.tenure_years(t.hired_on),
           'certifications', jsonb_path_query_array(
               t.profile -> 'certifications',
               '$[*] ? (@.expires_on == null || @.expires_on >= $today)',
               jsonb_build_object('today', to_char(read.today(), 'YYYY-MM-DD')))),
       t.rev::text || '.' || to_char(read.today(), 'YYYYMMDD')
  FROM read.trainer t
 WHERE t.id = %(id)s
"""


class TrainerSearchHandler:
    """A page of public trainers: filtered, by name or by search rank, keyset-paginated."""

    def __init__(
        self, pool: AsyncConnectionPool, *, trigram: bool, slugs: SlugIds | None = None
    ) -> None:
        self.pool = pool
        self.trigram = trigram
        self.slugs = slugs

    async def handle(self, query: TrainerSearch) -> Document:
        ids = None
        if self.slugs is not None and (query.branch or query.specialties):
            ids = await self.slugs.resolve(self.pool, query)
        sql, params, order, fp = search.statement(query, trigram=self.trigram, ids=ids)
        async with self.pool.connection() as conn:
            cur = await conn.execute(sql, params)
            row = await cur.fetchone()
        assert row is not None
        items, more, last_key, last_id, etag, *known = row
        if ids is None and query.branch and known[0] == 0:
            raise InvalidQuery("branch", f"Unknown branch {query.branch!r}.")
        if ids is None and query.specialties and known[-1] != len(set(query.specialties)):
            raise InvalidQuery("specialty", "Unknown specialty in " + ", ".join(query.specialties))
        next_cursor = None
        if more:
            next_cursor = cursor.encode(cursor.Position(order, last_key, last_id), fp)
        body = b'{"items":' + items + b',"next_cursor":' + dumps(next_cursor) + b"}"
        return Document(body, etag + ("+" if more else ""))


class TrainerGetHandler:
    """One public trainer's full profile, or None when unknown or not public."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool

    async def handle(self, query: TrainerGet) -> Document | None:
        async with self.pool.connection() as conn:
            cur = await conn.execute(GET, {"id": query.id})
            row = await cur.fetchone()
        return Document(row[0], row[1]) if row else None
