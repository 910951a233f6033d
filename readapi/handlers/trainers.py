"""``TrainerSearch`` and ``TrainerGet`` over ``read.trainer``."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection

from readapi import cursor, statements
from readapi.handlers import search
from readapi.handlers.slugs import SlugIds
from readapi.json import dumps
from readapi.queries import Document, InvalidQuery, TrainerGet, TrainerSearch
from readapi.reader import Reader

TRIGRAM_INDEX = "SELECT to_regclass('read.trainer_names_trgm') IS NOT NULL"
# The statistics' most common lexemes of the search column and their frequencies (three
# more numbers follow the frequencies: their minimum, maximum and that of nulls).
COMMON_WORDS = """
SELECT most_common_elems::text::text[], most_common_elem_freqs
  FROM pg_stats
 WHERE schemaname = 'read' AND tablename = 'trainer' AND attname = 'search'
"""
# How long the common words are used before they are read again (ANALYZE changes them).
COMMON_SECONDS = 600.0

# The profile document is spliced as text, as list items are (search.PAGE): its
# tenure and certifications, then the profile's other fields (``profile_text``) and the
# list item (``item_text``), both printed once when the row is written (columns
# PostgreSQL generates, migrations 0021 and 0022). Merging the two jsonb documents and
# printing the result was two thirds of the statement. Certifications that have
# expired are history, not qualifications: dropped at read time.
GET = """
SELECT t.id::text,
       '{"tenure_years": ' || read.tenure_years(t.hired_on) || ', "certifications": '
       || coalesce(jsonb_path_query_array(
              t.profile -> 'certifications',
              '$[*] ? (@.expires_on == null || @.expires_on >= $today)',
              jsonb_build_object('today', to_char(read.today(), 'YYYY-MM-DD')))::text, 'null')
       || ', ' || t.profile_text || t.item_text,
       t.rev::text || '.' || to_char(read.today(), 'YYYYMMDD')
  FROM read.trainer t
 WHERE t.id = ANY(%(ids)s::uuid[])
"""


class TrainerSearchHandler:
    """A page of public trainers: filtered, by name or by search rank, keyset-paginated."""

    def __init__(
        self, reader: Reader, *, trigram: bool | None = None, slugs: SlugIds | None = None
    ) -> None:
        self.reader = reader
        # Whether the migration could index names by trigram: asked on first use.
        self.trigram = trigram
        self.slugs = slugs
        self.common = search.NO_STATISTICS
        self.common_expires = 0.0

    async def handle(self, query: TrainerSearch) -> Document:
        page = await self.page(query)
        body = b'{"items":' + page.items + b',"next_cursor":' + dumps(page.next_cursor) + b"}"
        return Document(body, page.etag, page.read_at)

    async def page(self, query: TrainerSearch, cards: str = "") -> Page:
        """The page's items as a JSON array, or with ``cards`` (``search.statement``) its
        cards as HTML."""
        async with self.reader.connection(query.token) as read:
            if self.trigram is None:
                row = await (await read.conn.execute(TRIGRAM_INDEX)).fetchone()
                self.trigram = bool(row and row[0])
            if query.q is not None and (now := time.monotonic()) >= self.common_expires:
                self.common_expires = now + COMMON_SECONDS
                self.common = await common_words(read.conn)
            ids = None
            if self.slugs is not None and (query.branch or query.specialties):
                ids = await self.slugs.resolve(read.conn, query)
            sql, params, order, fp = search.statement(
                query, trigram=self.trigram, ids=ids, common=self.common, cards=cards
            )
            result = await statements.run(read.conn, sql, params)
        # One row: the items (JSON text), more, the last key and id, the ETag, the checks.
        items, more, last_key, last_id, etag, *known = (
            result.get_value(0, n) for n in range(result.nfields)
        )
        assert items is not None and etag is not None
        if ids is None and query.branch and known[0] == b"0":
            raise InvalidQuery("branch", f"Unknown branch {query.branch!r}.")
        if (
            ids is None
            and query.specialties
            and known[-1] != str(len(set(query.specialties))).encode()
        ):
            raise InvalidQuery("specialty", "Unknown specialty in " + ", ".join(query.specialties))
        next_cursor = None
        if more == b"t" and last_key is not None and last_id is not None:
            position = cursor.Position(order, last_key.decode(), last_id.decode())
            next_cursor = cursor.encode(position, fp)
        return Page(items, next_cursor, etag.decode() + ("+" if more == b"t" else ""), read.at)


@dataclass(frozen=True, slots=True)
class Page:
    """A page of a search: its items (a JSON array, or cards), the cursor of the next
    page, its ETag and the replica position it was read at."""

    items: bytes
    next_cursor: str | None
    etag: str
    read_at: int | None


async def common_words(conn: AsyncConnection[Any]) -> search.CommonWords:
    """The common words of the search column, or none before its first ANALYZE."""
    row = await (await conn.execute(COMMON_WORDS)).fetchone()
    if row is None or not row[0]:
        return search.NO_STATISTICS
    elements, frequencies = row
    return search.CommonWords(elements, frequencies[: len(elements)])


Pending = dict[str, list["asyncio.Future[Document | None]"]]


class TrainerGetHandler:
    """One public trainer's full profile, or None when unknown or not public.

    Concurrent look-ups are coalesced: the first opens a batch and asks the pool for a
    connection; every look-up that arrives before one is free joins that batch, and
    the batch is answered by one ``id = ANY(...)`` statement. Under load the statement
    and the pool, not the number of requests, set the cost (docs/performance.md). A
    look-up with a consistency token runs alone, on a connection that has replayed it.
    """

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self._open: Pending | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def handle(self, query: TrainerGet) -> Document | None:
        if query.token is not None:
            return (await self._fetch([query.id], query.token)).get(query.id)
        future: asyncio.Future[Document | None] = asyncio.get_running_loop().create_future()
        if self._open is None:
            self._open = {}
            task = asyncio.create_task(self._answer())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        self._open.setdefault(query.id, []).append(future)
        return await future

    async def _answer(self) -> None:
        batch: Pending = {}
        try:
            async with self.reader.connection() as read:
                batch, self._open = self._open or {}, None
                rows = await self._rows(read.conn, list(batch))
            for id_, futures in batch.items():
                row = rows.get(id_)
                document = Document(row[0], row[1], read.at) if row else None
                for future in futures:
                    if not future.done():
                        future.set_result(document)
        except BaseException as exc:
            if not batch:
                batch, self._open = self._open or {}, None
            for futures in batch.values():
                for future in futures:
                    if future.done():
                        continue
                    if isinstance(exc, Exception):
                        future.set_exception(exc)
                    else:
                        future.cancel()
            if not isinstance(exc, Exception):
                raise

    async def _fetch(self, ids: list[str], token: int | None) -> dict[str, Document]:
        async with self.reader.connection(token) as read:
            rows = await self._rows(read.conn, ids)
        return {id_: Document(body, etag, read.at) for id_, (body, etag) in rows.items()}

    @staticmethod
    async def _rows(conn: AsyncConnection[Any], ids: list[str]) -> dict[str, tuple[bytes, str]]:
        result = await statements.run(conn, GET, {"ids": ids})
        value = result.get_value
        rows: dict[str, tuple[bytes, str]] = {}
        for n in range(result.ntuples):
            id_, body, etag = value(n, 0), value(n, 1), value(n, 2)
            assert id_ is not None and body is not None and etag is not None
            rows[id_.decode()] = (body, etag.decode())
        return rows
