"""``readapi/lender.py``: pool connections lent to the handlers, on a real pool and server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import pytest
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from config.dsn import read_dsn
from readapi.lender import Lender

Body = Callable[[AsyncConnectionPool, Lender], Awaitable[Any]]


def with_lender(body: Body, *, max_size: int = 3, timeout: float = 5.0, **options: Any) -> Any:
    async def run() -> Any:
        pool = AsyncConnectionPool(
            read_dsn(),
            min_size=1,
            max_size=max_size,
            timeout=timeout,
            kwargs={"autocommit": True},
            open=False,
        )
        await pool.open(wait=True)
        lender = Lender(pool, **options)
        try:
            return await body(pool, lender)
        finally:
            await lender.close()
            await pool.close()

    return asyncio.run(run())


async def backend(conn: psycopg.AsyncConnection[Any]) -> int:
    row = await (await conn.execute("SELECT pg_backend_pid()")).fetchone()
    assert row is not None
    return int(row[0])


def test_a_connection_given_back_is_lent_again_and_the_pool_keeps_one(
    transactional_db: None,
) -> None:
    async def body(pool: AsyncConnectionPool, lender: Lender) -> Any:
        first = await lender.take()
        pid = await backend(first)
        lender.give(first)
        again = await lender.take()
        same = await backend(again) == pid
        second = await lender.take()
        # Two of the pool's three are lent: the third stays for the pool's other users.
        async with pool.connection(timeout=2) as own:
            pool_still_serves = await backend(own) not in {pid, await backend(second)}
        lender.give(again)
        lender.give(second)
        return same, lender.limit, pool_still_serves, len(lender.idle)

    assert with_lender(body) == (True, 2, True, 2)


def test_a_caller_waits_for_a_connection_in_turn_and_gives_up_after_the_pool_timeout(
    transactional_db: None,
) -> None:
    async def body(pool: AsyncConnectionPool, lender: Lender) -> Any:
        held = await lender.take()
        first = asyncio.create_task(lender.take())
        second = asyncio.create_task(lender.take())
        await asyncio.sleep(0.05)
        waiting = not first.done() and not second.done()
        lender.give(held)
        got = await first
        handed_over = got is held and not second.done()
        with pytest.raises(PoolTimeout):
            await second
        lender.give(got)
        return waiting, handed_over

    assert with_lender(body, limit=1, timeout=0.3) == (True, True)


def test_a_cancelled_caller_loses_nothing(transactional_db: None) -> None:
    async def body(pool: AsyncConnectionPool, lender: Lender) -> Any:
        held = await lender.take()
        waiter = asyncio.create_task(lender.take())
        await asyncio.sleep(0.05)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        lender.give(held)
        return lender.idle == [held], await backend(await lender.take()) > 0

    assert with_lender(body, limit=1) == (True, True)


def test_broken_busy_and_old_connections_go_back_to_the_pool(transactional_db: None) -> None:
    async def body(pool: AsyncConnectionPool, lender: Lender) -> Any:
        broken = await lender.take()
        pid = await backend(broken)
        async with pool.connection() as killer:
            await killer.execute("SELECT pg_terminate_backend(%s)", (pid,))
        with pytest.raises(psycopg.OperationalError):
            await broken.execute("SELECT 1")
        lender.give(broken)
        in_transaction = await lender.take()
        await in_transaction.execute("BEGIN")
        lender.give(in_transaction)
        await asyncio.gather(*lender.tasks)
        kept = list(lender.idle)
        # A new connection, working, in place of the broken one.
        fresh = await lender.take()
        works = await backend(fresh) not in {pid}
        lender.give(fresh)
        return kept, works, broken.closed

    kept, works, closed = with_lender(body)
    assert kept == [] and works and closed


def test_connections_lent_longer_than_hold_return_to_the_pool(transactional_db: None) -> None:
    async def body(pool: AsyncConnectionPool, lender: Lender) -> Any:
        conn = await lender.take()
        lender.give(conn)
        kept = lender.idle == [conn]
        await asyncio.sleep(0.3)  # the sweep gives idle ones back after ``hold``
        swept = lender.idle == [] and not lender.until
        conn = await lender.take()
        await asyncio.sleep(0.3)
        lender.give(conn)  # past ``hold`` when given: straight back to the pool
        await asyncio.gather(*lender.tasks)
        return kept, swept, lender.idle, pool.get_stats()["pool_available"] >= 1

    assert with_lender(body, hold=0.2) == (True, True, [], True)


def test_callers_queued_when_connections_go_back_borrow_no_more_than_the_limit(
    transactional_db: None,
) -> None:
    """Two connections reach their time while six callers wait: two new borrowings, not
    six (the rest would wait on an empty pool and fail after its timeout)."""

    async def body(pool: AsyncConnectionPool, lender: Lender) -> Any:
        held = [await lender.take(), await lender.take()]
        waiters = [asyncio.create_task(lender.take()) for _ in range(6)]
        await asyncio.sleep(0.05)
        most = 0
        for conn in held:
            lender.until[conn] = 0.0  # past its time: back to the pool when given
            lender.give(conn)
            most = max(most, lender.out)
        for waiter in waiters:
            conn = await waiter
            most = max(most, lender.out)
            await backend(conn)
            lender.give(conn)
        return most, lender.limit

    most, limit = with_lender(body, limit=2, timeout=1.0)
    assert most <= limit


def test_a_pool_of_one_gets_its_connection_back_between_requests(
    transactional_db: None,
) -> None:
    async def body(pool: AsyncConnectionPool, lender: Lender) -> Any:
        conn = await lender.take()
        await backend(conn)
        lender.give(conn)
        await asyncio.gather(*lender.tasks)
        # The pool's own users (the replay poller, the change feed) are not starved.
        async with pool.connection(timeout=1) as own:
            served = await backend(own) > 0
        again = await lender.take()
        lender.give(again)
        return served, lender.idle, lender.out

    assert with_lender(body, max_size=1) == (True, [], 0)
