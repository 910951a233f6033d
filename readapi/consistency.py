"""Read-your-writes on a replica: wait until it has replayed the client's consistency token.

A request that carries ``X-Consistency-Token`` (or ``?consistency_token=``) waits,
at most ``CONSISTENCY_WAIT_MS``, until ``pg_last_wal_replay_lsn()`` reaches the
token, then runs; past the bound it gets 503 with ``Retry-After``. Requests
without a token read the replica as it is. On a primary (replay position NULL)
every token is already satisfied.
"""

from __future__ import annotations

import asyncio
import os
import time
from urllib.parse import parse_qsl

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout
from starlette.types import ASGIApp, Receive, Scope, Send

from config import lsn
from readapi.errors import problem_response

REPLAYED = "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint"
HEADER = lsn.HEADER.lower().encode()
PARAM = lsn.QUERY_PARAM.encode()


class ReplayWatcher:
    """The replica's replay position, polled cheaply and shared by the waiting requests."""

    def __init__(self, wait_seconds: float) -> None:
        self.wait_seconds = wait_seconds
        self.replayed = -1  # highest position seen; replay never goes back

    async def reached(self, pool: AsyncConnectionPool, target: int) -> bool:
        if self.replayed >= target:
            return True
        deadline = time.monotonic() + self.wait_seconds
        delay = 0.002
        while True:
            async with pool.connection() as conn:
                row = await (await conn.execute(REPLAYED)).fetchone()
            if row is None or row[0] is None:  # not a standby: everything is there
                return True
            self.replayed = max(self.replayed, int(row[0]))
            if self.replayed >= target:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            await asyncio.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.05)


def token_of(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == HEADER:
            return str(value.decode("latin-1"))
    query: bytes = scope.get("query_string", b"")
    if PARAM in query:
        for name, value in parse_qsl(query.decode("latin-1")):
            if name == lsn.QUERY_PARAM:
                return str(value)
    return None


class ConsistencyMiddleware:
    """Pure ASGI: requests without a token pass straight through."""

    def __init__(self, app: ASGIApp, *, enabled: bool, wait_ms: int | None = None) -> None:
        self.app = app
        self.enabled = enabled
        wait = int(os.environ.get("CONSISTENCY_WAIT_MS", "2000")) if wait_ms is None else wait_ms
        self.watcher = ReplayWatcher(wait / 1000)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = token_of(scope)
        if token is not None:
            target = lsn.parse(token)
            if target is None:
                response = problem_response(
                    422,
                    "The request parameters are invalid.",
                    errors=[{"field": lsn.HEADER, "message": "Expected a WAL position."}],
                )
                await response(scope, receive, send)
                return
            if self.enabled:
                pool: AsyncConnectionPool = scope["app"].state.pool
                try:
                    reached = await self.watcher.reached(pool, target)
                except (PoolTimeout, psycopg.OperationalError):
                    response = problem_response(
                        503,
                        "The database is unavailable; retry shortly.",
                        headers={"Retry-After": "5"},
                    )
                    await response(scope, receive, send)
                    return
                if not reached:
                    response = problem_response(
                        503,
                        "The replica has not caught up with your last change yet; retry shortly.",
                        code="replica_lagging",
                        headers={"Retry-After": "1"},
                    )
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
