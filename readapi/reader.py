"""Connections of the read side, and what each has replayed when it reads a replica.

Every query handler reads through ``Reader.connection``. On a primary it is a pooled
connection (lent by ``readapi/lender.py``) and nothing more. On a replica
(``READ_DATABASE_URL`` pointing at a standby, possibly balanced over several) it also
knows the replay position of *that* connection's server, because two connections of
one pool may reach different replicas:

- a request with a consistency token first waits, holding no connection, on the
  process's one ``ReplayPoller`` (a single statement polls the replay position while
  anyone waits), then checks on the connection that will run its query that its
  server has replayed the token (at most ``CONSISTENCY_WAIT_MS`` in all):
  ``ReplicaLagging`` past the bound; at most ``CONSISTENCY_MAX_WAITERS`` wait at once
  (``TooManyWaiters`` beyond, a 503 with ``Retry-After``);
- a token beyond the primary's current WAL position was never handed out:
  ``TokenAhead`` (a 422) at once, on a primary and a replica alike; the primary's
  position is asked at most once at a time, and only for a token past the newest
  position seen;
- every answer carries the position its server had replayed before its statement
  began (``Read.at``), so the response cache stores it only when that is past the
  newest change announced to the process (``readapi/cache.py``).

Replay position is read with its own statement before the query (autocommit: the
query's snapshot is newer, so it sees at least that much); once a connection is known
to have passed the position asked for, no extra statement runs.
"""

from __future__ import annotations

import asyncio
import os
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from readapi.lender import Lender

REPLAYED = "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint"
# A connection to a primary: every position is already there.
PRIMARY = 2**63 - 1


def _nothing() -> int:
    return 0


CURRENT = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"


class ReplicaLagging(Exception):
    """The replica did not replay the client's consistency token within the bound."""


class TooManyWaiters(Exception):
    """``CONSISTENCY_MAX_WAITERS`` requests already wait for the replica: retry shortly."""


class TokenAhead(Exception):
    """A consistency token beyond the primary's current position: never handed out."""


class ReplayPoller:
    """One per process: polls the replica's replay position while requests wait for it.

    Waiting requests hold no connection; one task borrows a pool connection for one
    statement at a time (every 2 ms at first, doubling to 50 ms) and wakes every waiter
    whose token the replica has replayed. With several replicas behind one address the
    position is that of whichever answered; ``Reader.connection`` checks its own server.
    """

    def __init__(self, pool: AsyncConnectionPool, *, max_waiters: int) -> None:
        self.pool = pool
        self.max_waiters = max_waiters
        self.position = -1
        self.waiters: dict[asyncio.Future[None], int] = {}
        self.task: asyncio.Task[None] | None = None

    async def wait(self, token: int, seconds: float) -> None:
        if token <= self.position:
            return
        if len(self.waiters) >= self.max_waiters:
            raise TooManyWaiters
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.waiters[future] = token
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run())
        try:
            await asyncio.wait_for(future, seconds)
        except TimeoutError as exc:
            raise ReplicaLagging from exc
        finally:
            self.waiters.pop(future, None)

    async def _run(self) -> None:
        delay = 0.002
        while self.waiters:
            try:
                async with self.pool.connection() as conn:
                    row = await (await conn.execute(REPLAYED)).fetchone()
            except Exception as exc:  # every waiter gets the failure (a 503), not a hang
                for future in list(self.waiters):
                    if not future.done():
                        future.set_exception(exc)
                return
            at = PRIMARY if row is None or row[0] is None else int(row[0])
            self.position = max(self.position, at)
            for future, token in list(self.waiters.items()):
                if token <= self.position and not future.done():
                    future.set_result(None)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.05)


class PrimaryPosition:
    """The primary's current WAL position, asked at most once at a time.

    A token at or below the newest position seen is fine without asking. Otherwise the
    primary is asked (by a request that arrived after the previous answer was read, so
    that a token handed out just before the request counts); concurrent requests share
    one question, so forged tokens cost at most one statement at a time.
    """

    def __init__(self, ask: Callable[[], Awaitable[int]]) -> None:
        self.ask = ask
        self.seen = -1
        self.asked_at = -1.0
        self.lock = asyncio.Lock()

    async def check(self, token: int) -> None:
        if token <= self.seen:
            return
        arrived = time.monotonic()
        async with self.lock:
            if token <= self.seen:
                return
            if self.asked_at < arrived:
                self.asked_at = time.monotonic()
                self.seen = max(self.seen, await self.ask())
        if token > self.seen:
            raise TokenAhead


class Lent:
    """The context of ``Reader.connection``, as a plain class: a generator-based context
    manager (``contextlib.asynccontextmanager``) cost a few microseconds more on every
    read (docs/performance.md)."""

    __slots__ = ("read", "reader", "token")

    def __init__(self, reader: Reader, token: int | None) -> None:
        self.reader = reader
        self.token = token
        self.read: Read | None = None

    async def __aenter__(self) -> Read:
        self.read = await self.reader._open(self.token)
        return self.read

    async def __aexit__(self, *exc: object) -> None:
        if self.read is not None:
            self.reader.lender.give(self.read.conn)
            self.read = None


@dataclass(slots=True)
class Read:
    conn: AsyncConnection[Any]
    # The replay position the server had reached before the query: None on a primary.
    at: int | None


class Reader:
    def __init__(
        self,
        pool: AsyncConnectionPool,
        *,
        replica: bool,
        wait_ms: int | None = None,
        primary_dsn: str | Callable[[], str] | None = None,
        max_waiters: int | None = None,
    ) -> None:
        self.pool = pool
        # The handlers' connections, lent without the pool's per-request bookkeeping.
        self.lender = Lender(pool)
        self.replica = replica
        wait = int(os.environ.get("CONSISTENCY_WAIT_MS", "2000")) if wait_ms is None else wait_ms
        self.wait_seconds = wait / 1000
        if max_waiters is None:
            max_waiters = int(os.environ.get("CONSISTENCY_MAX_WAITERS", "100"))
        self.poller = ReplayPoller(pool, max_waiters=max_waiters)
        self.primary_dsn = primary_dsn
        self.primary = PrimaryPosition(self._ask_primary)
        self.replayed: weakref.WeakKeyDictionary[AsyncConnection[Any], int] = (
            weakref.WeakKeyDictionary()
        )
        # The position cached answers must have been read at (the cache's fence).
        self.fence: Callable[[], int] = _nothing

    def connection(self, token: int | None = None) -> Lent:
        """``async with reader.connection(token) as read``: a lent connection that has
        replayed ``token`` (and the cache's fence, on a replica), given back on exit."""
        return Lent(self, token)

    async def _open(self, token: int | None) -> Read:
        deadline = time.monotonic() + self.wait_seconds
        if token is not None:
            await self.primary.check(token)
            if self.replica:
                await self.poller.wait(token, self.wait_seconds)
        conn = await self.lender.take()
        if not self.replica:
            return Read(conn, None)
        try:
            at = self.replayed.get(conn, -1)
            if token is not None and at < token:
                at = await self._wait(conn, token, deadline)
            elif at < self.fence():
                at = await self._position(conn)
        except BaseException:
            self.lender.give(conn)
            raise
        return Read(conn, None if at == PRIMARY else at)

    async def _ask_primary(self) -> int:
        """The primary's current position: the pool's own server, or ``primary_dsn``'s."""
        if not self.replica or self.primary_dsn is None:
            async with self.pool.connection() as conn:
                row = await (await conn.execute(CURRENT)).fetchone()
        else:
            dsn = self.primary_dsn() if callable(self.primary_dsn) else self.primary_dsn
            async with await AsyncConnection.connect(dsn, autocommit=True) as conn:
                row = await (await conn.execute(CURRENT)).fetchone()
        return PRIMARY if row is None or row[0] is None else int(row[0])

    async def _position(self, conn: AsyncConnection[Any]) -> int:
        row = await (await conn.execute(REPLAYED)).fetchone()
        at = PRIMARY if row is None or row[0] is None else int(row[0])
        # Replay never goes back on one server; one connection stays on one server.
        at = max(at, self.replayed.get(conn, -1))
        self.replayed[conn] = at
        return at

    async def _wait(self, conn: AsyncConnection[Any], token: int, deadline: float) -> int:
        """This connection's server has not replayed ``token`` yet (another replica than the
        poller's, or a statement behind it): poll it until the same deadline."""
        delay = 0.002
        while True:
            at = await self._position(conn)
            if at >= token:
                return at
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ReplicaLagging
            await asyncio.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.05)
