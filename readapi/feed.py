"""The change feed: one LISTEN connection per process, fanned out to every open stream.

A notification only wakes the streams; each then reads what it has not sent yet
from ``read.change`` (ids in commit order, so "everything after N" misses nothing).
Streams hold no queue and no connection while idle: a slow client costs one
coroutine and the batch it is being sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from readapi import keys
from readapi.json import dumps

logger = logging.getLogger(__name__)

CHANNEL = "read_change"
# The feed's channel and the cache keys' (readapi/keys.py), both constants.
LISTEN = f"LISTEN {CHANNEL}; LISTEN {keys.CHANNEL}"
NEWEST = "SELECT coalesce(max(id), 0) FROM read.change"
# Where a resuming client may start: the newest change, and the highest pruned one.
BOUNDS = (
    "SELECT (SELECT coalesce(max(id), 0) FROM read.change),"
    " (SELECT coalesce(max(pruned_through), 0) FROM read.change_horizon)"
)
AFTER = (
    "SELECT id, trainer_id::text, version, kind FROM read.change WHERE id > %s ORDER BY id LIMIT %s"
)


@dataclass(frozen=True, slots=True)
class FeedSettings:
    keepalive: float = float(os.environ.get("FEED_KEEPALIVE_SECONDS", "15"))
    batch: int = int(os.environ.get("FEED_BATCH", "500"))
    max_streams: int = int(os.environ.get("FEED_MAX_STREAMS", "1000"))
    # Streams one client address may hold in one process (config/clientip.py finds it).
    max_per_client: int = int(os.environ.get("FEED_MAX_STREAMS_PER_CLIENT", "20"))
    # Client reconnection delay sent in the stream (``retry:``), in milliseconds.
    retry_ms: int = int(os.environ.get("FEED_RETRY_MS", "2000"))


KeysCallback = Callable[[frozenset[str], int | None], None]
PRIMARY_POSITION = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"


class ChangeNotifier:
    """Listens on the write database: wakes this process's streams, and tells its cache
    which keys each commit changed (``readapi/keys.py``).

    ``fence``: with a replica behind the query side, each key announcement also carries
    the primary's WAL position read after the notification arrived (so after the
    commit): the cache keeps no answer read from a replica that is not there yet.
    """

    def __init__(self, dsn: str | Callable[[], str], *, fence: bool = False) -> None:
        self._dsn = dsn
        self.fence = fence
        self.newest = 0
        self.streams = 0
        # Open streams per client address; an address leaves the dict with its last stream.
        self.clients: dict[str, int] = {}
        self.listening = asyncio.Event()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._subscribers: list[KeysCallback] = []

    def admit(self, client: str) -> None:
        """Count a stream as open from the moment it is accepted (before its body starts),
        so that requests arriving together cannot all pass the caps."""
        self.streams += 1
        self.clients[client] = self.clients.get(client, 0) + 1

    def release(self, client: str) -> None:
        self.streams -= 1
        left = self.clients.get(client, 1) - 1
        if left > 0:
            self.clients[client] = left
        else:
            self.clients.pop(client, None)

    def subscribe(self, callback: KeysCallback) -> None:
        """Call ``callback(keys, position)`` on every key announcement, and with ``*`` on
        every (re)connection: changes committed meanwhile were not heard."""
        self._subscribers.append(callback)

    def start(self) -> None:
        self._task = asyncio.create_task(self._listen(), name="change-feed-listener")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def wait(self, known: int, within: float) -> None:
        """Return once a change newer than ``known`` is announced, on a reconnect, or at timeout."""
        if self.newest > known:
            return
        wake = self._wake
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                await wake.wait()

    def announce(self, newest: int) -> None:
        self.newest = max(self.newest, newest)
        wake, self._wake = self._wake, asyncio.Event()
        wake.set()

    def announce_keys(self, changed: frozenset[str], position: int | None) -> None:
        for callback in self._subscribers:
            callback(changed, position)

    async def _listen(self) -> None:
        delay = 0.2
        while True:
            try:
                conninfo = self._dsn() if callable(self._dsn) else self._dsn
                conn = await psycopg.AsyncConnection.connect(conninfo, autocommit=True)
                async with conn:
                    await conn.execute(LISTEN)
                    self.listening.set()
                    delay = 0.2
                    # Changes committed while not listening were not announced: wake everyone.
                    self.announce(0)
                    self.announce_keys(frozenset({keys.ALL}), await self._position(conn))
                    while True:
                        # notifies() holds the connection's lock while it yields: take what
                        # arrived, leave it, then handle it (the fence's query needs the
                        # connection; a query inside the loop would wait for ever).
                        heard = [notify async for notify in conn.notifies(stop_after=1)]
                        for notify in heard:
                            await self._heard(conn, notify)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # any failure: log, back off, listen again
                logger.warning("change feed: listener lost (%s); retrying in %.1fs", exc, delay)
            self.listening.clear()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 10.0)

    async def _heard(self, conn: psycopg.AsyncConnection[Any], notify: psycopg.Notify) -> None:
        if notify.channel == keys.CHANNEL:
            self.announce_keys(keys.parse(notify.payload), await self._position(conn))
        else:
            with contextlib.suppress(ValueError):
                self.announce(int(notify.payload))

    async def _position(self, conn: psycopg.AsyncConnection[Any]) -> int | None:
        if not self.fence:
            return None
        row = await (await conn.execute(PRIMARY_POSITION)).fetchone()
        return int(row[0]) if row else None


async def newest_change(pool: AsyncConnectionPool) -> int:
    async with pool.connection() as conn:
        row = await (await conn.execute(NEWEST)).fetchone()
    return int(row[0]) if row else 0


def reset(newest: int, retry_ms: int, reason: str) -> bytes:
    """Tells a resuming client that it cannot resume from where it asked: resync from the
    query API, then follow from ``id`` (which becomes its ``Last-Event-ID``)."""
    data = dumps({"reason": reason, "newest": newest})
    return b"retry: %d\nevent: reset\nid: %d\ndata: %s\n\n" % (retry_ms, newest, data)


async def start_position(
    pool: AsyncConnectionPool, notifier: ChangeNotifier, after: int
) -> tuple[int, str | None]:
    """Where a stream resuming after ``after`` starts, and why it must resync (or None)."""
    async with pool.connection() as conn:
        row = await (await conn.execute(BOUNDS)).fetchone()
    stored, pruned = (int(row[0]), int(row[1])) if row else (0, 0)
    # A replica may not have replayed the newest change this process has heard of.
    newest = max(stored, notifier.newest)
    if after > newest:
        return newest, "Last-Event-ID is beyond the newest change: resync, then follow on."
    if after < pruned:
        return newest, "Changes after Last-Event-ID were pruned: resync, then follow on."
    return after, None


def event(change_id: int, trainer_id: str, version: int, kind: str) -> bytes:
    data = dumps({"trainer_id": trainer_id, "version": version, "kind": kind})
    return b"id: %d\ndata: %s\n\n" % (change_id, data)


async def change_stream(
    pool: AsyncConnectionPool,
    notifier: ChangeNotifier,
    after: int | None,
    settings: FeedSettings,
) -> AsyncIterator[bytes]:
    """Every change after ``after``, then each new one as it commits, forever.

    ``after`` None: from the newest change. A position past the newest change or before
    the pruning horizon starts with a ``reset`` event instead of ``ready``.
    """
    why = None
    if after is None:
        after = await newest_change(pool)
    else:
        after, why = await start_position(pool, notifier, after)
    if why is not None:
        yield reset(after, settings.retry_ms, why)
    else:
        # `ready` carries the position: a client that reconnects before any change resumes here.
        yield b"retry: %d\nevent: ready\nid: %d\ndata: {}\n\n" % (settings.retry_ms, after)
    last_write = time.monotonic()
    backoff = 0.05
    while True:
        known = notifier.newest
        async with pool.connection() as conn:
            cursor = await conn.execute(AFTER, (after, settings.batch))
            rows = await cursor.fetchall()
        if rows:
            yield b"".join(event(*row) for row in rows)
            after = rows[-1][0]
            last_write = time.monotonic()
            backoff = 0.05
            if len(rows) == settings.batch:
                continue
        if known > after:
            # Announced but not visible here yet (a replica still replaying): look again soon.
            timeout = backoff
            backoff = min(backoff * 2, settings.keepalive)
        else:
            timeout = settings.keepalive - (time.monotonic() - last_write)
        if timeout > 0:
            await notifier.wait(max(known, after), timeout)
        if time.monotonic() - last_write >= settings.keepalive:
            yield b": keep-alive\n\n"
            last_write = time.monotonic()
