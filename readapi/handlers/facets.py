"""Branches and specialties with their public trainer counts, and the weekly timetable."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

from readapi.queries import BranchList, Document, InvalidQuery, SpecialtyList, TimetableGet

BRANCHES = """
SELECT jsonb_build_object('items', coalesce(jsonb_agg(jsonb_build_object(
           'slug', slug, 'name', name, 'city', city, 'timezone', timezone,
           'trainer_count', trainer_count) ORDER BY name, slug), '[]')),
       md5(coalesce(string_agg(rev::text, ',' ORDER BY name, slug), ''))
  FROM read.branch
"""

SPECIALTIES = """
SELECT jsonb_build_object('items', coalesce(jsonb_agg(jsonb_build_object(
           'slug', slug, 'name', name, 'trainer_count', trainer_count)
           ORDER BY name, slug), '[]')),
       md5(coalesce(string_agg(rev::text, ',' ORDER BY name, slug), ''))
  FROM read.specialty
"""

TIMETABLE = """
SELECT jsonb_build_object('items', coalesce(jsonb_agg(c.doc
           ORDER BY c.weekday, c.start_time, c.id), '[]')),
       md5(coalesce(string_agg(c.rev::text, ',' ORDER BY c.weekday, c.start_time, c.id), '')),
       (SELECT count(*) FROM read.branch WHERE slug = %(branch)s)
  FROM read.class c
 WHERE {where}
"""


class _RelationHandler:
    sql: str

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool

    async def _fetch(self) -> Document:
        async with self.pool.connection() as conn:
            cur = await conn.execute(self.sql)
            row = await cur.fetchone()
        assert row is not None
        return Document(row[0], row[1])


class BranchListHandler(_RelationHandler):
    """Every branch, by name, with its count of public trainers."""

    sql = BRANCHES

    async def handle(self, query: BranchList) -> Document:
        return await self._fetch()


class SpecialtyListHandler(_RelationHandler):
    """Every specialty, by name, with its count of public trainers."""

    sql = SPECIALTIES

    async def handle(self, query: SpecialtyList) -> Document:
        return await self._fetch()


class TimetableHandler:
    """Classes of public trainers, by weekday and start time; optionally one branch or day."""

    def __init__(self, pool: AsyncConnectionPool) -> None:
        self.pool = pool

    async def handle(self, query: TimetableGet) -> Document:
        where = []
        if query.branch is not None:
            where.append("c.branch_id = (SELECT b.id FROM read.branch b WHERE b.slug = %(branch)s)")
        if query.weekday is not None:
            where.append("c.weekday = %(weekday)s")
        sql = TIMETABLE.format(where=" AND ".join(where) or "true")
        params = {"branch": query.branch, "weekday": query.weekday}
        async with self.pool.connection() as conn:
            cur = await conn.execute(sql, params)
            row = await cur.fetchone()
        assert row is not None
        if query.branch is not None and row[2] == 0:
            raise InvalidQuery("branch", f"Unknown branch {query.branch!r}.")
        return Document(row[0], row[1])
