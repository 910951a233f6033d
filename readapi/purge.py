"""Purges shared caches (Varnish with xkey) by key when the database announces a change.

The keys come from the same announcements that evict this process's response cache
(``readapi/feed.py``, ``readapi/keys.py``). One process purges at a time, across every
app process and ``manage.py cdn_purger``: the one that holds a PostgreSQL advisory
lock on the primary (its session, so the lock goes with a dead process and another
takes over). A new leader purges everything first: it heard nothing before.

With a replica behind the query side, an announcement carries the primary's WAL
position after the commit; keys are purged only once the replica has replayed it,
or the edge would fetch the old answer again through an app that reads the replica.

Each edge (``CDN_PURGE_URLS``, comma-separated base URLs) gets
``PURGE /`` with ``xkey-purge: <keys>`` (``*``: ``BAN /``, everything), retried with
backoff; keys that could not be purged stay pending and go with the next round.
``deploy/varnish/default.vcl`` answers both from allowed addresses only.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
import psycopg

from readapi import keys as K

logger = logging.getLogger(__name__)

# pg_try_advisory_lock key: "cdnpurge" as a number (any constant the app uses for nothing else).
LOCK_KEY = 0x63646E7075726765
REPLAYED = "SELECT pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint"
PRIMARY_POSITION = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint"


def urls_from_env() -> list[str]:
    raw = os.environ.get("CDN_PURGE_URLS", "")
    return [u.strip().rstrip("/") for u in raw.split(",") if u.strip()]


@dataclass
class PurgeStats:
    purges: int = 0
    failures: int = 0
    last_lag: float = 0.0
    pending: int = 0
    leader: bool = False


@dataclass
class _Pending:
    keys: set[str] = field(default_factory=set)
    position: int | None = None
    since: float | None = None


class Purger:
    """Sends the announced keys to every edge, from the one leading process."""

    def __init__(
        self,
        urls: list[str],
        leader_dsn: str | Callable[[], str],
        *,
        replica_dsn: str | Callable[[], str] | None = None,
        retries: int = 4,
        timeout: float = 2.0,
        replay_timeout: float = 30.0,
    ) -> None:
        self.urls = urls
        self._leader_dsn = leader_dsn
        self._replica_dsn = replica_dsn
        self.retries = retries
        self.timeout = timeout
        self.replay_timeout = replay_timeout
        self.stats = PurgeStats()
        self._pending = _Pending()
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def announce(self, changed: frozenset[str], position: int | None) -> None:
        """A ``ChangeNotifier`` subscriber: keep the keys for the next purge round."""
        if not self.stats.leader:
            return
        self._add(changed, position)

    def _add(self, changed: frozenset[str] | set[str], position: int | None) -> None:
        pending = self._pending
        pending.keys |= changed
        if position is not None:
            pending.position = max(pending.position or 0, position)
        if pending.since is None:
            pending.since = time.monotonic()
        self.stats.pending = len(pending.keys)
        self._wake.set()

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._lead(), name="cdn-purge-leader"),
            asyncio.create_task(self._purge_loop(), name="cdn-purge"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _lead(self) -> None:
        """Hold the advisory lock on a session of its own; retry when another holds it."""
        while True:
            try:
                dsn = self._leader_dsn() if callable(self._leader_dsn) else self._leader_dsn
                async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
                    while True:
                        row = await (
                            await conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,))
                        ).fetchone()
                        if row and row[0]:
                            break
                        await asyncio.sleep(2)
                    position = await (await conn.execute(PRIMARY_POSITION)).fetchone()
                    logger.info("cdn purge: this process purges %s", ", ".join(self.urls))
                    self.stats.leader = True
                    # Nothing was heard before: whatever the edges hold may be stale.
                    self._add({K.ALL}, int(position[0]) if position else None)
                    while True:  # hold the session; a lost connection ends the lead
                        await asyncio.sleep(5)
                        await conn.execute("SELECT 1")
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                logger.warning("cdn purge: leader session lost (%s); retrying", exc)
            finally:
                self.stats.leader = False
            await asyncio.sleep(1)

    async def _purge_loop(self) -> None:
        async with httpx.AsyncClient(timeout=self.timeout) as http:
            while True:
                await self._wake.wait()
                self._wake.clear()
                if not self.stats.leader or not self._pending.keys:
                    continue
                batch, self._pending = self._pending, _Pending()
                self.stats.pending = 0
                try:
                    await self._replayed(batch.position)
                    await self._send(http, batch.keys)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    self.stats.failures += 1
                    logger.warning("cdn purge: %s; keys kept for the next round", exc)
                    self._add(batch.keys, batch.position)
                    self._pending.since = batch.since
                    await asyncio.sleep(1)
                    continue
                self.stats.purges += 1
                if batch.since is not None:
                    self.stats.last_lag = time.monotonic() - batch.since

    async def _replayed(self, position: int | None) -> None:
        """Wait until the replica the edges read through has replayed ``position``."""
        if position is None or self._replica_dsn is None:
            return
        dsn = self._replica_dsn() if callable(self._replica_dsn) else self._replica_dsn
        deadline = time.monotonic() + self.replay_timeout
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            while True:
                row = await (await conn.execute(REPLAYED)).fetchone()
                if row and row[0] is not None and int(row[0]) >= position:
                    return
                if time.monotonic() > deadline:
                    raise TimeoutError("the replica has not replayed the change")
                await asyncio.sleep(0.02)

    async def _send(self, http: httpx.AsyncClient, changed: set[str]) -> None:
        if K.ALL in changed:
            method, headers = "BAN", {}
        else:
            method, headers = "PURGE", {"xkey-purge": " ".join(sorted(changed))}
        for url in self.urls:
            delay = 0.1
            for attempt in range(self.retries):
                try:
                    response = await http.request(method, url + "/", headers=headers)
                    if response.status_code == 200:
                        break
                    problem = f"{url} answered {response.status_code} to {method}"
                except httpx.HTTPError as exc:
                    problem = f"{url}: {exc!r}"
                if attempt == self.retries - 1:
                    raise RuntimeError(problem)
                await asyncio.sleep(delay)
                delay *= 2
