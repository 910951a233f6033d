"""The query side's psycopg pool, opened in the app's lifespan."""

from __future__ import annotations

import os
from collections.abc import Callable

from psycopg import AsyncConnection
from psycopg.adapt import Buffer, Loader
from psycopg_pool import AsyncConnectionPool


class JsonBytesLoader(Loader):
    """jsonb arrives as its JSON text, kept as bytes: sent to the client without parsing."""

    def load(self, data: Buffer) -> bytes:
        return bytes(data)


async def configure(conn: AsyncConnection) -> None:
    conn.adapters.register_loader("jsonb", JsonBytesLoader)
    # Many small statements at once: parallel workers would only add process start-ups
    # and contend for the same cores (a broad search launched 2 and spilled its sort).
    await conn.execute("SET max_parallel_workers_per_gather = 0")
    # A sequential scan starts at the table's first block, not where another one is: a
    # search's bounded candidates (the first matches found) are the same on every page.
    await conn.execute("SET synchronize_seqscans = off")
    # A prepared statement runs the plan made once, without looking at its parameters.
    # The read side's parameters are words and cursor positions, whose plan does not
    # depend on them (an index walk from the position, the search's bounded candidates),
    # and PostgreSQL's own choice kept re-planning a cursor page at every execution
    # (366 us against 217 us planned once; docs/performance.md). Values that do change
    # the plan (branch, specialty) are written into the statement (handlers/search.py).
    await conn.execute("SET plan_cache_mode = force_generic_plan")


def make_pool(dsn: str | Callable[[], str]) -> AsyncConnectionPool:
    conninfo = dsn() if callable(dsn) else dsn
    return AsyncConnectionPool(
        conninfo,
        min_size=int(os.environ.get("READ_POOL_MIN", "2")),
        max_size=int(os.environ.get("READ_POOL_MAX", "10")),
        # A request waits at most this long for a connection, then gets a 503.
        timeout=float(os.environ.get("READ_POOL_TIMEOUT", "5")),
        kwargs={"autocommit": True},
        configure=configure,
        open=False,
        name="readapi",
    )
