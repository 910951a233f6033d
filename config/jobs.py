"""Periodic jobs inside the app: the retention prune (trainers/retention.py).

Every worker process starts the loop with the ASGI lifespan; one process at a time runs
the job. Each tries a session-level advisory lock on a connection of its own; the one
that gets it runs ``prune()`` every ``RETENTION_INTERVAL_SECONDS`` while it holds the
lock (checked before each run), the others try again each interval. If the holder dies,
its connection closes, PostgreSQL releases the lock and another process takes over.
``prune()`` also takes a transaction-level lock, so a ``manage.py prune_retention``
never overlaps it. ``RETENTION_INTERVAL_SECONDS=0`` turns the loop off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable

import psycopg
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import connection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from trainers.retention import RUNNER_LOCK, prune

logger = logging.getLogger(__name__)


def prune_once() -> None:
    """One prune from a worker thread, which then gives its database connection back."""
    try:
        prune()
    finally:
        connection.close()


async def run_periodically(dsn: Callable[[], str], interval: float, first: float) -> None:
    await asyncio.sleep(first)
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(dsn(), autocommit=True) as conn:
                while True:
                    row = await (
                        await conn.execute("SELECT pg_try_advisory_lock(%s)", [RUNNER_LOCK])
                    ).fetchone()
                    if row and row[0]:
                        logger.info("retention: process %d runs the periodic prune", os.getpid())
                        while True:
                            await sync_to_async(prune_once, thread_sensitive=False)()
                            await asyncio.sleep(interval)
                            # Still the holder? A lost connection released the lock.
                            await conn.execute("SELECT 1")
                    await asyncio.sleep(interval)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # the database went away: try again next interval
            logger.warning("retention: periodic prune failed (%s); retrying", exc)
            await asyncio.sleep(interval)


class PeriodicJobs:
    """ASGI wrapper: starts the loop at lifespan startup and stops it at shutdown."""

    def __init__(self, app: ASGIApp, dsn: Callable[[], str]) -> None:
        self.app = app
        self.dsn = dsn
        self.interval = float(settings.RETENTION_INTERVAL_SECONDS)
        self.first = float(settings.RETENTION_FIRST_RUN_SECONDS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan" or self.interval <= 0:
            await self.app(scope, receive, send)
            return
        task: asyncio.Task[None] | None = None

        async def lifespan_receive() -> Message:
            nonlocal task
            message = await receive()
            if message["type"] == "lifespan.startup":
                task = asyncio.create_task(
                    run_periodically(self.dsn, self.interval, self.first), name="retention"
                )
            elif message["type"] == "lifespan.shutdown" and task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            return message

        await self.app(scope, lifespan_receive, send)
