"""``make soak``: mixed load on a live server for a while, then check nothing went wrong.

``python -m tests.soak --seconds 600`` (``make soak``; ``SOAK_SECONDS``). It creates a
database of its own on the project's PostgreSQL (``DATABASE_URL``, else the embedded
one), migrates and seeds it, starts the app as deployed (uvicorn, two workers), and
for the duration drives, from 127.0.0.1 only:

- readers: list pages and profiles (cached), search, and the same uncached
  (``Cache-Control: no-cache``);
- a writer: 5 commands a second (profile edits with ``If-Match``, registrations with an
  ``Idempotency-Key``, retried once on a transport error);
- 50 change-feed subscribers, for the whole run;
- a zero-downtime rebuild of the read model half way through.

It fails (exit 1) on any 5xx, a lost or duplicated write, a subscriber that missed or
repeated a change, memory growth over 15% between minute 2 (or a fifth of a shorter
run) and the end, a failed rebuild, or a read model that does not check clean. The
report: requests, errors, p99 per window, memory at both points.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import psutil
import psycopg

PASSWORD = "soak-password-not-secret-0123"
WORDS = ["yoga", "strength", "pilates", "mobility", "coach", "ana", "maria", "run"]
SUBSCRIBERS = 50
WRITES_PER_SECOND = 5
READERS = 6
GROWTH_LIMIT = 0.15


@dataclass
class Stats:
    latencies: dict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    failures: list[str] = field(default_factory=list)
    # Non-5xx answers a step did not expect (reported, not failures).
    other: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    window: float = 60.0

    def record(self, status: int, seconds: float, what: str = "") -> None:
        self.statuses[status] += 1
        self.latencies[int((time.monotonic() - self.started) // self.window)].append(seconds)
        if status >= 500:
            self.failures.append(f"a {status} answer {what}".rstrip())


def manage(url: str, *args: str, **env: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        env={**os.environ, "DATABASE_URL": url, **env},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)}: {result.stdout}{result.stderr}")
    return result.stdout


def rss(process: psutil.Process) -> int:
    total = 0
    for p in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):  # a process that just exited
            total += p.memory_info().rss
    return total


async def timed(stats: Stats, client: httpx.AsyncClient, method: str, url: str, **kw: Any) -> Any:
    started = time.monotonic()
    response = await client.request(method, url, **kw)
    what = f"to {method} {url}: {response.text[:300]}" if response.status_code >= 500 else ""
    stats.record(response.status_code, time.monotonic() - started, what)
    return response


async def reader(stats: Stats, client: httpx.AsyncClient, ids: list[str], end: float) -> None:
    while time.monotonic() < end:
        kind = random.random()
        headers = {"Cache-Control": "no-cache"} if random.random() < 0.2 else {}
        if kind < 0.4:
            url = f"/query/trainers?limit=20&shift={random.choice(['morning', 'evening'])}"
        elif kind < 0.8:
            url = f"/query/trainers/{random.choice(ids)}"
        else:
            url = f"/query/trainers?q={random.choice(WORDS)}"
        await timed(stats, client, "GET", url, headers=headers)


@dataclass
class Writes:
    bios: dict[str, str] = field(default_factory=dict)
    emails: set[str] = field(default_factory=set)
    count: int = 0
    branch: str = ""


async def writer(
    stats: Stats, client: httpx.AsyncClient, ids: list[str], end: float, writes: Writes
) -> None:
    """5 commands a second, each started on time: a step that takes longer than the
    interval overlaps the next (a sequential writer fell to ~3.5/s on a busy machine)."""
    interval = 1 / WRITES_PER_SECOND
    next_at = time.monotonic()
    busy: set[str] = set()  # trainers with a step in flight: one edit at a time each
    steps: list[asyncio.Task[None]] = []
    while time.monotonic() < end:
        next_at += interval
        steps.append(asyncio.create_task(write_step(stats, client, ids, writes, busy)))
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
    await asyncio.gather(*steps)


async def write_step(
    stats: Stats, client: httpx.AsyncClient, ids: list[str], writes: Writes, busy: set[str]
) -> None:
    if random.random() < 0.7:
        trainer = random.choice([i for i in random.sample(ids, 8) if i not in busy] or ids)
        if trainer in busy:
            return
        busy.add(trainer)
        try:
            current = await timed(stats, client, "GET", f"/api/trainers/{trainer}/")
            if current.status_code != 200:  # counted (a 5xx fails the run); skip this one
                stats.other.append(f"GET trainer: {current.status_code}")
            else:
                bio = f"Soak {uuid.uuid4().hex}"
                patched = await timed(
                    stats,
                    client,
                    "PATCH",
                    f"/api/trainers/{trainer}/",
                    json={"bio": bio},
                    headers={"If-Match": current.headers["ETag"]},
                )
                if patched.status_code == 200:
                    writes.bios[trainer] = bio
        finally:
            busy.discard(trainer)
    else:
        key = uuid.uuid4().hex
        email = f"soak-{key}@staff.example.com"
        body = {
            "first_name": "Soak",
            "last_name": key[:8],
            "email": email,
            "hired_on": "2021-03-01",
            "branch": writes.branch,
        }
        for attempt in range(2):  # one retry, with the same key, on a transport error
            try:
                created = await timed(
                    stats,
                    client,
                    "POST",
                    "/api/trainers/",
                    json=body,
                    headers={"Idempotency-Key": key},
                )
            except httpx.TransportError:
                if attempt:
                    raise
                continue
            if created.status_code == 201:
                writes.emails.add(email)
            break
    writes.count += 1


async def subscriber(url: str, end: float, seen: list[int], failures: list[str]) -> None:
    timeout = httpx.Timeout(10.0, read=30.0)
    async with (
        httpx.AsyncClient(base_url=url, timeout=timeout) as client,
        client.stream("GET", "/query/changes") as response,
    ):
        if response.status_code != 200:
            failures.append(f"a subscriber got {response.status_code}")
            return
        async for line in response.aiter_lines():
            if line.startswith("id: "):
                change = int(line[4:])
                if seen and change <= seen[-1] and len(seen) > 1:
                    failures.append(f"a subscriber saw change {change} after {seen[-1]}")
                seen.append(change)
            if time.monotonic() > end:
                return


async def rebuild(stats: Stats, client: httpx.AsyncClient, at: float) -> str:
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    started = await timed(stats, client, "POST", "/ops/read-model/rebuild")
    if started.status_code != 202:
        return f"rebuild refused: {started.status_code} {started.text}"
    while True:
        run = (await timed(stats, client, "GET", started.headers["Location"])).json()
        if run["state"] != "running":
            return "" if run["state"] == "succeeded" else f"rebuild {run['state']}: {run['error']}"
        await asyncio.sleep(0.5)


async def drive(
    url: str, token: str, ids: list[str], branch: str, seconds: float, process: Any
) -> dict[str, Any]:
    stats = Stats(window=60.0 if seconds >= 300 else 10.0)
    end = time.monotonic() + seconds
    writes = Writes(branch=branch)
    seen: list[list[int]] = [[] for _ in range(SUBSCRIBERS)]
    memory: dict[str, int] = {}
    limits = httpx.Limits(max_connections=READERS + 4)
    auth = {"Authorization": f"Token {token}"}

    async def sample() -> None:
        first = min(120.0, seconds / 5)
        await asyncio.sleep(first)
        memory["early"] = rss(process)
        memory["early_at"] = int(first)

    async with (
        httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as public,
        httpx.AsyncClient(base_url=url, timeout=30, headers=auth) as staff,
    ):
        subscribers = [
            asyncio.create_task(subscriber(url, end + 3, seen[i], stats.failures))
            for i in range(SUBSCRIBERS)
        ]
        await asyncio.sleep(1)
        tasks = [asyncio.create_task(reader(stats, public, ids, end)) for _ in range(READERS)]
        tasks.append(asyncio.create_task(writer(stats, staff, ids, end, writes)))
        tasks.append(asyncio.create_task(sample()))
        rebuilt = asyncio.create_task(rebuild(stats, staff, time.monotonic() + seconds / 2))
        await asyncio.gather(*tasks)
        if problem := await rebuilt:
            stats.failures.append(problem)
        memory["end"] = rss(process)
        await asyncio.gather(*subscribers)
    return {"stats": stats, "writes": writes, "seen": seen, "memory": memory, "seconds": seconds}


def verify(url: str, conninfo: str, result: dict[str, Any]) -> list[str]:
    failures: list[str] = list(result["stats"].failures)
    writes: Writes = result["writes"]
    with psycopg.connect(conninfo) as conn:
        for trainer, bio in writes.bios.items():
            row = conn.execute(
                "SELECT bio FROM trainers_trainer WHERE id = %s", [trainer]
            ).fetchone()
            if row is None or row[0] != bio:
                failures.append(f"lost write: trainer {trainer}")
        for email in writes.emails:
            (count,) = conn.execute(
                "SELECT count(*) FROM trainers_trainer WHERE email = %s", [email]
            ).fetchone() or (0,)
            (events,) = conn.execute(
                "SELECT count(*) FROM trainers_event WHERE command = 'TrainerRegister'"
                " AND payload->>'email' = %s",
                [email],
            ).fetchone() or (0,)
            if (count, events) != (1, 1):
                failures.append(f"registration {email}: {count} trainers, {events} events")
        (newest,) = conn.execute("SELECT coalesce(max(id), 0) FROM read.change").fetchone() or (0,)
    for i, ids in enumerate(result["seen"]):
        if not ids or ids[-1] != newest:
            failures.append(f"subscriber {i} ended at {ids[-1] if ids else None}, not {newest}")
        if len(set(ids)) != len(ids):
            failures.append(f"subscriber {i} saw a change twice")
    memory = result["memory"]
    if memory.get("early") and memory["end"] > memory["early"] * (1 + GROWTH_LIMIT):
        failures.append(f"memory grew {memory['end'] / memory['early'] - 1:.0%}")
    try:
        manage(url, "check_read_model", "--verbosity", "0")
    except RuntimeError as exc:
        failures.append(f"the read model does not check clean: {exc}")
    return failures


def report(result: dict[str, Any], failures: list[str]) -> str:
    stats: Stats = result["stats"]
    statuses = dict(sorted(stats.statuses.items()))
    lines = [
        f"requests: {sum(stats.statuses.values())}, statuses {statuses}",
        f"writes: {result['writes'].count} commands"
        f" ({result['writes'].count / result['seconds']:.1f}/s),"
        f" {len(result['writes'].emails)} registrations",
        f"feed: {SUBSCRIBERS} subscribers, {sum(len(s) for s in result['seen'])} events received",
    ]
    for window, values in sorted(stats.latencies.items()):
        values.sort()
        p99 = values[min(len(values) - 1, int(len(values) * 0.99))] * 1000
        start = int(window * stats.window)
        lines.append(
            f"  {start:>4}-{start + int(stats.window)} s: {len(values)} requests, p99 {p99:.1f} ms"
        )
    memory = result["memory"]
    lines.append(
        f"memory (server, all processes): {memory.get('early', 0) / 2**20:.1f} MiB at "
        f"{memory.get('early_at', 0)} s, {memory['end'] / 2**20:.1f} MiB at the end"
    )
    if stats.other:
        lines.append(f"unexpected answers (not failures): {stats.other[:10]}")
    lines.append("OK" if not failures else "FAILED:\n  " + "\n  ".join(failures[:50]))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--trainers", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    from django.db import connection

    from config.dsn import conninfo, database_url
    from tests.server import start_server

    settings_dict = {**connection.settings_dict, "NAME": f"soak_{uuid.uuid4().hex[:10]}"}
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{settings_dict["NAME"]}"')
    url = database_url(settings_dict)
    server = None
    try:
        manage(url, "migrate", "--noinput")
        manage(url, "seed_demo", "--trainers", str(options.trainers), "--seed", "1")
        manage(
            url,
            "createsuperuser",
            "--noinput",
            "--username",
            "soak",
            "--email",
            "soak@x.example",
            DJANGO_SUPERUSER_PASSWORD=PASSWORD,
        )
        with psycopg.connect(conninfo(settings_dict)) as conn:
            ids = [str(r[0]) for r in conn.execute("SELECT id FROM read.trainer").fetchall()]
            row = conn.execute("SELECT slug FROM trainers_branch ORDER BY id LIMIT 1").fetchone()
            assert row is not None
            branch = str(row[0])
        server = start_server(
            settings_dict,
            env={"RETENTION_INTERVAL_SECONDS": "0", "FEED_MAX_STREAMS_PER_CLIENT": "100"},
            args=("--workers", str(options.workers)),
            timeout=120,
        )
        token = httpx.post(
            f"{server.url}/api/auth/token/", json={"username": "soak", "password": PASSWORD}
        ).json()["token"]
        result = asyncio.run(
            drive(
                server.url, token, ids, branch, options.seconds, psutil.Process(server.process.pid)
            )
        )
        failures = verify(url, conninfo(settings_dict), result)
        print(report(result, failures))
        return 1 if failures else 0
    finally:
        if server is not None:
            server.stop()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{settings_dict["NAME"]}" WITH (FORCE)')


if __name__ == "__main__":
    sys.exit(main())
