"""Branches and specialties with their public trainer counts, and the weekly timetable."""

from __future__ import annotations

from readapi import cursor
from readapi.json import dumps
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

# One page of classes in (weekday, start_time, id) order, read through the index
# class_by_slot (or class_by_branch_slot) from the cursor on: limit + 1 rows tell
# whether another page follows. The ETag covers the rows on the page.
TIMETABLE = """
WITH page AS (
    SELECT c.weekday, c.start_time, c.id, c.rev, c.doc,
           row_number() OVER (ORDER BY c.weekday, c.start_time, c.id) AS n
      FROM read.class c
     WHERE {where}
     ORDER BY c.weekday, c.start_time, c.id
     LIMIT %(limit)s + 1)
SELECT coalesce(jsonb_agg(p.doc ORDER BY p.n) FILTER (WHERE p.n <= %(limit)s), '[]')::text,
       count(*) > %(limit)s,
       max(p.weekday) FILTER (WHERE p.n = %(limit)s),
       max(p.start_time) FILTER (WHERE p.n = %(limit)s),
       max(p.id) FILTER (WHERE p.n = %(limit)s),
       md5(coalesce(string_agg(p.rev::text, ',' ORDER BY p.n) FILTER (WHERE p.n <= %(limit)s),
                    '')),
       (SELECT count(*) FROM read.branch WHERE slug = %(branch)s)
  FROM page p
"""
AFTER = (
    "(c.weekday, c.start_time, c.id)"
    " > (%(weekday_after)s::smallint, %(start_after)s::time, %(id_after)s::bigint)"
)


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
    """Classes of public trainers by weekday, start time and id, a keyset page at a time;
    optionally one branch or day."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader

    async def handle(self, query: TimetableGet) -> Document:
        fp = cursor.fingerprint("timetable", query.branch, query.weekday)
        params: dict[str, object] = {
            "branch": query.branch,
            "weekday": query.weekday,
            "limit": query.limit,
        }
        where = []
        if query.branch is not None:
            where.append("c.branch_id = (SELECT b.id FROM read.branch b WHERE b.slug = %(branch)s)")
        if query.weekday is not None:
            where.append("c.weekday = %(weekday)s")
        if query.cursor is not None:
            after = cursor.decode_slot(query.cursor, fp)
            where.append(AFTER)
            params |= {
                "weekday_after": after.weekday,
                "start_after": after.start_time,
                "id_after": after.id,
            }
        sql = TIMETABLE.format(where=" AND ".join(where) or "true")
        async with self.reader.connection(query.token) as read:
            cur = await read.conn.execute(sql, params)
            row = await cur.fetchone()
        assert row is not None
        items, more, weekday, start_time, id_, etag, branches = row
        if query.branch is not None and branches == 0:
            raise InvalidQuery("branch", f"Unknown branch {query.branch!r}.")
        next_cursor = None
        if more:
            next_cursor = cursor.encode_slot(cursor.Slot(weekday, start_time, id_), fp)
        body = b'{"items":' + items.encode() + b',"next_cursor":' + dumps(next_cursor) + b"}"
        return Document(body, etag + ("+" if more else ""), read.at)
