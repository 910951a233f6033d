"""Connections of the read side, and what each has replayed when it reads a replica.

Every query handler reads through ``Reader.connection``. On a primary it is a pooled
connection and nothing more. On a replica (``READ_DATABASE_URL`` pointing at a
standby, possibly balanced over several) it also knows the replay position of *that*
connection's server, because two connections of one pool may reach different
replicas:

- a request with a consistency token waits, on the connection that will run its
  query, until that server has replayed the token (at most ``CONSISTENCY_WAIT_MS``),
  then queries it: ``ReplicaLagging`` past the bound;
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
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

REPLAYED = "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint"
# A connection to a primary: every position is already there.
PRIMARY = 2**63 - 1


def _nothing() -> int:
    return 0


class ReplicaLagging(Exception):
    """The replica did not replay the client's consistency token within the bound."""


@dataclass(slots=True)
class Read:
    conn: AsyncConnection[Any]
    # The replay position the server had reached before the query: None on a primary.
    at: int | None


class Reader:
    def __init__(
        self, pool: AsyncConnectionPool, *, replica: bool, wait_ms: int | None = None
    ) -> None:
        self.pool = pool
        self.replica = replica
        wait = int(os.environ.get("CONSISTENCY_WAIT_MS", "2000")) if wait_ms is None else wait_ms
        self.wait_seconds = wait / 1000
        self.replayed: weakref.WeakKeyDictionary[AsyncConnection[Any], int] = (
            weakref.WeakKeyDictionary()
        )
        # The position cached answers must have been read at (the cache's fence).
        self.fence: Callable[[], int] = _nothing

    @asynccontextmanager
    async def connection(self, token: int | None = None) -> AsyncIterator[Read]:
        async with self.pool.connection() as conn:
            if not self.replica:
                yield Read(conn, None)
                return
            at = self.replayed.get(conn, -1)
            if token is not None and at < token:
                at = await self._wait(conn, token)
            elif at < self.fence():
                at = await self._position(conn)
            yield Read(conn, None if at == PRIMARY else at)

    async def _position(self, conn: AsyncConnection[Any]) -> int:
        row = await (await conn.execute(REPLAYED)).fetchone()
        at = PRIMARY if row is None or row[0] is None else int(row[0])
        # Replay never goes back on one server; one connection stays on one server.
        at = max(at, self.replayed.get(conn, -1))
        self.replayed[conn] = at
        return at

    async def _wait(self, conn: AsyncConnection[Any], token: int) -> int:
        deadline = time.monotonic() + self.wait_seconds
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
