"""Response bytes of the trainer and facet routes, kept while the read model is unchanged.

A hit is served before routing: no validation, no query, no pool. What makes it
safe for read-your-writes is the *generation*, a counter that every possible
change of the read model bumps before anyone can ask to see the change:

- a write in this process (command handlers, admin, ops, management commands,
  raw SQL through Django) bumps it when its transaction commits, before the
  writer's response is sent (``config/readcache.py``);
- a write in another process is announced by PostgreSQL's ``NOTIFY`` at its
  commit, heard by the change feed's listener (``readapi/feed.py``); while it
  is not connected, nothing is cached, and its reconnection bumps the generation;
- an entry also dies at the next UTC day (tenure and certificate validity
  depend on the date) and after ``READ_CACHE_SECONDS`` (default 30), which bounds
  what a write that no trigger announces (a hand-made SQL edit in another
  process) could leave behind.

An entry is stored under the generation read *before* its query ran, so a write
that commits while the query runs leaves the entry already dead.

A client that needs the freshest data across processes sends ``Cache-Control:
no-cache`` (or its consistency token): the request skips the cache and refreshes it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from readapi.consistency import HEADER, PARAM
from readapi.http import CACHE_CONTROL, _matches

# Trainer pages and profiles, and the facet lists. Not the timetable: a class's capacity
# or time changes without any announcement (no trainer document changes with it).
CACHED_PREFIXES = ("/query/trainers", "/query/branches", "/query/specialties")
# Marks a response served from the cache (for tests and for whoever debugs a proxy).
HIT = (b"x-cache", b"hit")
# Request headers that ask for the read model itself, never a cached copy.
BYPASS_HEADERS = frozenset({HEADER})


class Generation:
    """A counter bumped on every change that may reach the read model."""

    __slots__ = ("listening", "value")

    def __init__(self) -> None:
        self.value = 0
        # Whether something tells this process about other processes' commits right now.
        self.listening: Callable[[], bool] = Generation.deaf

    @staticmethod
    def deaf() -> bool:
        return False

    def bump(self) -> None:
        self.value += 1


GENERATION = Generation()


@dataclass(slots=True)
class Entry:
    generation: int
    day: int
    expires: float
    etag: bytes
    headers: list[tuple[bytes, bytes]]
    body: bytes
    # The FastAPI route that answered, put back in the scope of a hit for the metrics.
    route: object = None


def cache_seconds() -> float:
    return float(os.environ.get("READ_CACHE_SECONDS", "30"))


def _day() -> int:
    return int(time.time() // 86400)


class ResponseCache:
    """The ASGI middleware: serve a live entry, or run the app and keep its 200."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        generation: Generation = GENERATION,
        seconds: float | None = None,
        max_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.generation = generation
        env = os.environ
        self.seconds = cache_seconds() if seconds is None else seconds
        self.max_bytes = (
            int(env.get("READ_CACHE_MB", "64")) * 2**20 if max_bytes is None else max_bytes
        )
        self.entries: dict[tuple[str, bytes], Entry] = {}
        self.size = 0
        self.hits = self.misses = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(CACHED_PREFIXES)
            or not self.generation.listening()
            or self.seconds <= 0
        ):
            await self.app(scope, receive, send)
            return
        if_none_match = None
        bypass = False
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                if_none_match = value
            elif (name == b"cache-control" and b"no-cache" in value) or name in BYPASS_HEADERS:
                bypass = True
        if PARAM in scope["query_string"]:
            bypass = True
        key = (scope["path"], scope["query_string"])
        generation, day = self.generation.value, _day()
        if not bypass:
            entry = self.entries.get(key)
            if (
                entry
                and entry.generation == generation
                and entry.day == day
                and entry.expires > time.monotonic()
            ):
                self.hits += 1
                scope["route"] = entry.route
                await self._replay(entry, if_none_match, send)
                return
        self.misses += 1
        await self.app(scope, receive, self._recorder(scope, key, generation, day, send))

    async def _replay(self, entry: Entry, if_none_match: bytes | None, send: Send) -> None:
        if if_none_match and _matches(if_none_match.decode("latin-1"), entry.etag.decode()):
            headers = [(b"etag", entry.etag), (b"cache-control", CACHE_CONTROL.encode())]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": entry.headers})
        await send({"type": "http.response.body", "body": entry.body})

    def _recorder(
        self, scope: Scope, key: tuple[str, bytes], generation: int, day: int, send: Send
    ) -> Send:
        started: dict[str, object] = {}

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif (
                message["type"] == "http.response.body"
                and started.get("status") == 200
                and not message.get("more_body", False)
            ):
                headers = list(started.get("headers", ()))  # type: ignore[call-overload]
                etag = next((v for n, v in headers if n == b"etag"), None)
                if etag is not None:
                    headers.append(HIT)
                    entry = Entry(generation, day, 0.0, etag, headers, message["body"])
                    entry.route = scope.get("route")
                    self._store(key, entry)
            await send(message)

        return record

    def _store(self, key: tuple[str, bytes], entry: Entry) -> None:
        if entry.generation != self.generation.value:
            return  # the read model changed while the query ran: already stale
        entry.expires = time.monotonic() + self.seconds
        size = len(entry.body) + len(key[0]) + len(key[1]) + 200
        if self.size + size > self.max_bytes:
            self.entries.clear()  # rare and cheap: refilled at the speed of misses
            self.size = 0
        old = self.entries.pop(key, None)
        if old is not None:
            self.size -= len(old.body) + len(key[0]) + len(key[1]) + 200
        self.entries[key] = entry
        self.size += size
