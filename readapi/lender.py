"""Pool connections lent to the query handlers without the pool's bookkeeping per request.

psycopg_pool's ``connection()`` is made for correctness at any rate: an ``asyncio.Lock``
around the pool, a waiting client with a condition and a ``wait_for`` task when the pool
is empty, a commit on exit, statistics, and the return through the same lock. Under load
that was a fifth of a list page's Python past the cache (docs/performance.md). The
lender borrows connections from the pool and keeps them between requests:

- ``take`` pops an idle connection (the most recently used: its statements are warm),
  borrows another from the pool while fewer than ``limit`` are out, or queues the
  caller until one comes back, at most the pool's ``timeout`` (then ``PoolTimeout``,
  as from the pool itself);
- ``give`` hands the connection to the first caller waiting, else keeps it idle;
- the pool still owns every connection's life: one that is broken, inside a
  transaction or busy (a cancelled statement), or that was borrowed more than
  ``hold`` seconds ago (three quarters of it to all of it, drawn per connection so that
  connections borrowed together do not all go back at once), goes back to the pool,
  which checks, resets, ages and replaces its connections as before; so does one left
  idle that long;
- at most ``limit`` are out at once, borrowings under way included; ``limit`` leaves the
  pool at least one connection for the statements that use it directly (the replay
  poller, the change feed); a pool of one connection gets each back between requests;
- ``close`` gives every idle connection back, before the pool closes.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import deque
from collections.abc import Coroutine
from typing import Any

from psycopg import AsyncConnection, pq
from psycopg_pool import AsyncConnectionPool, PoolTimeout

HOLD_SECONDS = 60.0

Connection = AsyncConnection[Any]


class Lender:
    def __init__(
        self,
        pool: AsyncConnectionPool,
        *,
        limit: int | None = None,
        hold: float = HOLD_SECONDS,
    ) -> None:
        self.pool = pool
        self.limit = max(1, pool.max_size - 1) if limit is None else limit
        # A pool of one: its connection, kept here between requests, would starve the
        # pool's other users; each goes back to the pool instead.
        self.keeps = self.limit < pool.max_size
        self.hold = hold
        self.idle: list[Connection] = []
        self.waiting: deque[asyncio.Future[Connection]] = deque()
        # Until when each connection out of the pool may stay out; borrowings under way.
        self.until: dict[Connection, float] = {}
        self.borrowing = 0
        self.tasks: set[asyncio.Task[None]] = set()
        self.sweep: asyncio.TimerHandle | None = None

    @property
    def out(self) -> int:
        return len(self.until) + self.borrowing

    def stats(self) -> dict[str, tuple[str, int]]:
        """For ``/metrics``: the pool counts lent connections as in use."""
        return {
            "out": ("Pool connections the query handlers hold, in use or idle.", self.out),
            "idle": ("Of those, idle between requests.", len(self.idle)),
            "waiting": ("Requests waiting for one.", sum(not f.done() for f in self.waiting)),
        }

    async def take(self) -> Connection:
        if self.idle:
            return self.idle.pop()
        if self.out < self.limit:
            return await self._borrow()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Connection] = loop.create_future()
        self.waiting.append(future)
        timer = loop.call_later(self.pool.timeout, _expire, future, self.pool.timeout)
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled() and future.exception() is None:
                self.give(future.result())  # handed over as the caller went away
            raise
        finally:
            timer.cancel()

    def give(self, conn: Connection) -> None:
        """Back from a caller: to the next caller, to the idle list, or to the pool."""
        if not self._reusable(conn):
            self._return(conn)
            return
        while self.waiting:
            future = self.waiting.popleft()
            if not future.done():
                future.set_result(conn)
                return
        self.idle.append(conn)
        if self.sweep is None:
            self.sweep = asyncio.get_running_loop().call_later(self.hold, self._sweep)

    async def close(self) -> None:
        if self.sweep is not None:
            self.sweep.cancel()
            self.sweep = None
        idle, self.idle = self.idle, []
        for conn in idle:
            self.until.pop(conn, None)
            await self.pool.putconn(conn)
        if self.tasks:
            await asyncio.gather(*self.tasks, return_exceptions=True)

    async def _borrow(self) -> Connection:
        self.borrowing += 1
        return await self._borrowed()

    async def _borrowed(self) -> Connection:
        """A connection from the pool, for a borrowing already counted in ``borrowing``
        (counted before the wait, so that callers meanwhile do not borrow too many)."""
        try:
            conn = await self.pool.getconn()
        finally:
            self.borrowing -= 1
        # Each connection's own time, so that those borrowed together do not all go back
        # to the pool in the same second.
        spread = 0.75 + 0.25 * random.random()  # noqa: S311 (a spread, not a secret)
        self.until[conn] = time.monotonic() + self.hold * spread
        return conn

    def _reusable(self, conn: Connection) -> bool:
        return (
            self.keeps
            and not conn.closed
            and not conn.broken
            and conn.pgconn.transaction_status == pq.TransactionStatus.IDLE
            and time.monotonic() < self.until.get(conn, 0.0)
        )

    def _return(self, conn: Connection) -> None:
        """To the pool, whose return path (rollback, reset, replacement) runs as a task."""
        self.until.pop(conn, None)
        self._spawn(self.pool.putconn(conn))
        # Callers queued while every lent connection was in use borrow anew.
        while self.waiting and self.out < self.limit:
            future = self.waiting.popleft()
            if not future.done():
                self.borrowing += 1
                self._spawn(self._borrow_for(future))

    async def _borrow_for(self, future: asyncio.Future[Connection]) -> None:
        try:
            conn = await self._borrowed()
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
            return
        if future.done():
            self.give(conn)
        else:
            future.set_result(conn)

    def _sweep(self) -> None:
        """Idle connections past their time go back to the pool (it shrinks when quiet)."""
        self.sweep = None
        now = time.monotonic()
        keep = []
        for conn in self.idle:
            if now < self.until.get(conn, 0.0):
                keep.append(conn)
            else:
                self._return(conn)
        self.idle = keep
        if keep:
            self.sweep = asyncio.get_running_loop().call_later(self.hold, self._sweep)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


def _expire(future: asyncio.Future[Connection], seconds: float) -> None:
    if not future.done():
        future.set_exception(PoolTimeout(f"couldn't get a connection after {seconds:.2f} sec"))
