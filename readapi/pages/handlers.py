"""Page queries and their handlers: the JSON query handlers' documents, rendered as HTML.

A page handler is a query handler like the others (``readapi/queries.py``): one typed
query in, a ``Document`` out, so pages go through the same response cache, keys and
conditional answers as the JSON they are made of. The branch and specialty lists of
the search form come from the response cache under the JSON routes' own keys (they
change only with the ``facets`` key), so a page past the cache runs one statement, as
its JSON does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import orjson

from readapi import keys
from readapi.cache import ResponseCache
from readapi.handlers.facets import BranchListHandler, SpecialtyListHandler, TimetableHandler
from readapi.handlers.trainers import TrainerGetHandler, TrainerSearchHandler
from readapi.pages.directory import CARDS, directory, results
from readapi.pages.html import escaper, site_name
from readapi.pages.profile import profile
from readapi.pages.timetable import timetable
from readapi.queries import (
    BranchList,
    Document,
    QueryHandler,
    SpecialtyList,
    TimetableGet,
    TrainerGet,
    TrainerSearch,
)
from readapi.routes.lean import cached, query_key

FACETS = frozenset({keys.FACETS})
PAGES = Path(__file__).resolve().parent
# The cards' markup, which the read model stores (read.card_html).
CARDS_SQL = PAGES.parents[1] / "trainers" / "sql" / "current" / "cards.sql"
Q = TypeVar("Q")


@dataclass(frozen=True, slots=True)
class DirectoryPage:
    """``/`` (``whole``) or ``/results``, the cards alone, which the page's script asks for.

    ``origin``: the site's scheme and host, for canonical addresses."""

    search: TrainerSearch
    origin: str
    whole: bool = True


@dataclass(frozen=True, slots=True)
class ProfilePage:
    id: str  # canonical text
    origin: str

    @property
    def key(self) -> str:
        """The page's canonical text (its cache key): cheaper than the dataclass's repr."""
        return f"profile page {self.id} {self.origin}"


@dataclass(frozen=True, slots=True)
class TimetablePage:
    timetable: TimetableGet
    origin: str


def _release() -> bytes:
    """What the pages look like in this release: their code, assets and site name, and
    the cards' markup (stored by the read model, trainers/sql/current/cards.sql)."""
    digest = hashlib.blake2b(site_name().encode(), digest_size=12)
    for path in sorted(PAGES.rglob("*")):
        if path.suffix in (".py", ".css", ".js", ".svg"):
            digest.update(path.read_bytes())
    digest.update(CARDS_SQL.read_bytes())
    return digest.digest()


RELEASE = _release()


def html_document(html: str, read_at: int | None, key: str, *etags: str) -> Document:
    """A page and its ETag: the canonical text of the query it answers (``key``) and the
    ETags of the documents it shows, in this release (cheaper than hashing the page, and
    as exact)."""
    digest = hashlib.blake2b(RELEASE, digest_size=12)
    digest.update("\0".join((key, *etags)).encode())
    return Document(html.encode(), digest.hexdigest(), read_at)


@dataclass(frozen=True, slots=True)
class Facets:
    """The branch and specialty lists, as the JSON routes cache them."""

    cache: ResponseCache
    branch_list: BranchListHandler
    specialty_list: SpecialtyListHandler
    # Each list parsed once per distinct body (a comparison of ~1 KB, not a parse).
    parsed: dict[type, tuple[bytes, list[dict[str, Any]]]] = field(default_factory=dict)

    async def branches(self) -> tuple[list[dict[str, Any]], str]:
        return await self._items(self.branch_list, BranchList())

    async def specialties(self) -> tuple[list[dict[str, Any]], str]:
        return await self._items(self.specialty_list, SpecialtyList())

    async def _items(
        self, handler: QueryHandler[Q, Document], query: Q
    ) -> tuple[list[dict[str, Any]], str]:
        """The items of the list and its ETag."""
        found = await cached(self.cache, handler, query, FACETS)
        assert found is not None
        body, etag = found[0], found[1]
        known = self.parsed.get(type(query))
        if known is not None and known[0] == body:
            return known[1], etag
        items: list[dict[str, Any]] = orjson.loads(body)["items"]
        self.parsed[type(query)] = (body, items)
        return items, etag


class DirectoryPageHandler:
    """``/``, or the cards alone for ``/results``: one search, the form's lists cached."""

    def __init__(self, search: TrainerSearchHandler, facets: Facets) -> None:
        self.search = search
        self.facets = facets

    async def handle(self, query: DirectoryPage) -> Document:
        found = await self.search.page(query.search, CARDS)
        # ASCII (read.html_ascii writes every other character as a reference), read as
        # UTF-8 all the same: a card written otherwise costs a slower page, not an error.
        cards = found.items.decode()
        if not query.whole:
            html = results(cards, found.next_cursor, query.search)
            return html_document(html, found.read_at, query_key(query), found.etag)
        branches, branches_etag = await self.facets.branches()
        specialties, specialties_etag = await self.facets.specialties()
        html = directory(
            cards, found.next_cursor, query.search, branches, specialties, query.origin
        )
        return html_document(
            html, found.read_at, query_key(query), found.etag, branches_etag, specialties_etag
        )


class ProfilePageHandler:
    """A public trainer's profile page, or None when unknown or not public."""

    def __init__(self, get: TrainerGetHandler) -> None:
        self.get = get

    async def handle(self, query: ProfilePage) -> Document | None:
        found = await self.get.handle(TrainerGet(query.id))
        if found is None:
            return None
        html = profile(orjson.loads(found.body), query.origin, escaper(found.body))
        return html_document(html, found.read_at, query.key, found.etag)


class TimetablePageHandler:
    def __init__(self, timetable: TimetableHandler, facets: Facets) -> None:
        self.timetable = timetable
        self.facets = facets

    async def handle(self, query: TimetablePage) -> Document:
        found = await self.timetable.handle(query.timetable)
        branches, branches_etag = await self.facets.branches()
        html = timetable(orjson.loads(found.body), query.timetable.branch, branches, query.origin)
        return html_document(html, found.read_at, query_key(query), found.etag, branches_etag)
