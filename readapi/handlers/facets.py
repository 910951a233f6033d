"""Branches and specialties with their public trainer counts, and the weekly timetable."""

from __future__ import annotations

from readapi.queries import BranchList, Document, InvalidQuery, SpecialtyList, TimetableGet
from readapi.reader import Reader

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

    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    async def _fetch(self, token: int | None) -> Document:
        async with self.reader.connection(token) as read:
            cur = await read.conn.execute(self.sql)
            row = await cur.fetchone()
        assert row is not None
        return Document(row[0], row[1], read.at)


class BranchListHandler(_RelationHandler):
    """Every branch, by name, with its count of public trainers."""

    sql = BRANCHES

    async def handle(self, query: BranchList) -> Document:
        return await self._fetch(query.token)


class SpecialtyListHandler(_RelationHandler):
    """Every specialty, by name, with its count of public trainers."""

    sql = SPECIALTIES

    async def handle(self, query: SpecialtyList) -> Document:
        return await self._fetch(query.token)


class TimetableHandler:
    """Classes of public trainers, by weekday and start time; optionally one branch or day."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    async def handle(self, query: TimetableGet) -> Document:
        where = []
        if query.branch is not None:
            where.append("c.branch_id = (SELECT b.id FROM read.branch b WHERE b.slug = %(branch)s)")
        if query.weekday is not None:
            where.append("c.weekday = %(weekday)s")
        sql = TIMETABLE.format(where=" AND ".join(where) or "true")
        params = {"branch": query.branch, "weekday": query.weekday}
        async with self.reader.connection(query.token) as read:
            cur = await read.conn.execute(sql, params)
            row = await cur.fetchone()
        assert row is not None
        if query.branch is not None and row[2] == 0:
            raise InvalidQuery("branch", f"Unknown branch {query.branch!r}.")
        return Document(row[0], row[1], read.at)
