"""Response bytes of the cached routes, evicted by the keys a change touched.

Each entry is keyed by its validated query (route and canonical parameters: unknown
parameters are refused before a key exists) and names the dependency keys of its
answer (``readapi/keys.py``). The database announces which keys each transaction
changed; an announcement evicts exactly the entries that depend on them.

- A commit in this process is announced before the writer's response is sent
  (``config/readcache.py`` reads the writer's session after its commit); a commit in
  another process arrives by ``LISTEN read_keys`` (``readapi/feed.py``). While the
  listener is not connected nothing is served from the cache, and its reconnection
  evicts everything.
- An answer is stored only if none of its keys was announced while its query ran
  (the *ticket* taken before the query), so a write that commits meanwhile cannot
  leave a stale entry behind.
- On a replica, an announcement also raises the *fence*: the primary's WAL position
  after the change. An answer read from a replica that had not replayed the fence is
  served but not stored (``readapi/reader.py`` tells the position each answer was
  read at, checked on the connection that ran the query).
- Entries also die at the next UTC day (tenure and certificate validity depend on
  the date) and after ``READ_CACHE_SECONDS`` (default 30).
- Memory is bounded (``READ_CACHE_MB``, default 64) with a segmented LRU: a new entry
  goes to a probation segment and moves to the protected one (80% of the room) on its
  second use, so a flood of one-off queries evicts other one-off entries, not the
  answers people keep asking for.
"""

from __future__ import annotations

import os
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from readapi import keys as K

PROTECTED_SHARE = 0.8
# Entry overhead beyond its body: key, headers, bookkeeping (measured, rounded up).
OVERHEAD = 300
# How many recently announced keys are remembered to judge tickets; past it, older
# tickets are refused (their queries would have run for many announcements).
REMEMBERED = 10_000


def cache_seconds() -> float:
    return float(os.environ.get("READ_CACHE_SECONDS", "30"))


def _day() -> int:
    return int(time.time() // 86400)


@dataclass(slots=True)
class Entry:
    body: bytes
    etag: str
    keys: frozenset[str]
    day: int
    expires: float
    size: int
    protected: bool = False


def deaf() -> bool:
    return False


class ResponseCache:
    """A bounded, key-invalidated store of response bodies (see the module docstring)."""

    def __init__(self, *, seconds: float | None = None, max_bytes: int | None = None) -> None:
        self.seconds = cache_seconds() if seconds is None else seconds
        mb = int(os.environ.get("READ_CACHE_MB", "64"))
        self.max_bytes = mb * 2**20 if max_bytes is None else max_bytes
        self.probation: OrderedDict[str, Entry] = OrderedDict()
        self.protected: OrderedDict[str, Entry] = OrderedDict()
        self.size = self.protected_size = 0
        self.by_key: dict[str, set[str]] = {}
        # Announcements arrive from other threads (Django's) too: appended here, applied
        # by the event loop's thread before its next look-up.
        self.inbox: deque[tuple[frozenset[str], int | None]] = deque()
        self.clock = 0
        self.announced: dict[str, int] = {}
        self.floor = 0
        self.fence = 0
        # Whether this process hears other processes' changes right now.
        self.listening: Callable[[], bool] = deaf
        self.hits = self.misses = self.evictions = 0

    # Announcements -----------------------------------------------------------------

    def announce(self, keys: Iterable[str], lsn: int | None = None) -> None:
        """Evict what depends on ``keys`` (thread-safe); ``lsn``: raise the replica fence."""
        self.inbox.append((frozenset(keys), lsn))

    def _apply(self) -> None:
        while self.inbox:
            announced, lsn = self.inbox.popleft()
            if lsn is not None and lsn > self.fence:
                self.fence = lsn
            self.clock += 1
            if K.ALL in announced:
                self.clear()
                self.floor = self.clock
                self.announced.clear()
                continue
            if len(self.announced) >= REMEMBERED:
                self.announced.clear()
                self.floor = self.clock
            for key in announced:
                self.announced[key] = self.clock
                for entry_key in tuple(self.by_key.get(key, ())):
                    self._evict(entry_key)

    def clear(self) -> None:
        self.probation.clear()
        self.protected.clear()
        self.by_key.clear()
        self.size = self.protected_size = 0

    # Look-ups ----------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        return self.seconds > 0 and self.listening()

    def get(self, key: str) -> Entry | None:
        self._apply()
        entry = self.probation.get(key) or self.protected.get(key)
        if entry is None:
            return None
        if entry.day != _day() or entry.expires <= time.monotonic():
            self._evict(key)
            return None
        if entry.protected:
            self.protected.move_to_end(key)
        else:
            self._promote(key, entry)
        self.hits += 1
        return entry

    def ticket(self) -> int:
        """Taken before the query runs; ``put`` refuses answers a change has overtaken."""
        self._apply()
        return self.clock

    def stale(self, keys: Iterable[str], ticket: int) -> bool:
        """Whether any of ``keys`` was announced after ``ticket`` was taken."""
        self._apply()
        if ticket == self.clock:  # nothing was announced since
            return False
        return ticket < self.floor or any(self.announced.get(k, -1) > ticket for k in keys)

    def put(
        self,
        key: str,
        ticket: int,
        keys: frozenset[str],
        body: bytes,
        etag: str,
        read_at: int | None = None,
    ) -> None:
        """Keep an answer read at replica position ``read_at`` (None: on the primary)."""
        if self.stale(keys, ticket):
            return  # a change overtook the query: this answer may already be stale
        if read_at is not None and read_at < self.fence:
            return  # the replica had not replayed an announced change yet
        old = self.probation.get(key) or self.protected.get(key)
        if old is not None:
            if old.etag == etag and old.keys == keys:  # refreshed: the same answer
                old.day, old.expires = _day(), time.monotonic() + self.seconds
                return
            self._evict(key)
        size = len(body) + len(key) + OVERHEAD
        if size > self.max_bytes * (1 - PROTECTED_SHARE):
            return
        entry = Entry(body, etag, keys, _day(), time.monotonic() + self.seconds, size)
        self.probation[key] = entry
        self.size += size
        by_key = self.by_key
        for k in keys:
            owners = by_key.get(k)
            if owners is None:
                by_key[k] = {key}
            else:
                owners.add(key)
        while self.size > self.max_bytes and self.probation:
            self._evict(next(iter(self.probation)))
            self.evictions += 1

    # Segments ----------------------------------------------------------------------

    def _promote(self, key: str, entry: Entry) -> None:
        del self.probation[key]
        entry.protected = True
        self.protected[key] = entry
        self.protected_size += entry.size
        limit = self.max_bytes * PROTECTED_SHARE
        while self.protected_size > limit:
            old_key, old = self.protected.popitem(last=False)
            old.protected = False
            self.protected_size -= old.size
            self.probation[old_key] = old  # demoted: the most recent of the probation

    def _evict(self, key: str) -> None:
        entry = self.probation.pop(key, None)
        if entry is None:
            entry = self.protected.pop(key, None)
            if entry is None:
                return
            self.protected_size -= entry.size
        self.size -= entry.size
        for k in entry.keys:
            owners = self.by_key.get(k)
            if owners is not None:
                owners.discard(key)
                if not owners:
                    del self.by_key[k]

    def __len__(self) -> int:
        return len(self.probation) + len(self.protected)
