"""Read-your-writes through a real streaming replica, with the consistency token.

A primary and a hot standby (``pg_basebackup -R -X stream``) from the embedded
PostgreSQL's binaries; the app writes to the primary and reads from the replica.
Pausing replay on the replica makes the wait and the timeout deterministic.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
import pytest

from config import lsn
from tests.replica.cluster import Cluster, start_primary, start_replica
from tests.server import ROOT, LiveServer, start_server

pytestmark = [pytest.mark.slow, pytest.mark.e2e]

WAIT_MS = 1000
MAX_WAITERS = 6
PASSWORD = "a-long-test-password-42"


@dataclass
class Setup:
    cluster: Cluster
    server: LiveServer
    api: httpx.Client

    def replica_sql(self, sql: str) -> object:
        with psycopg.connect(self.cluster.replica.conninfo(), autocommit=True) as conn:
            row = conn.execute(sql).fetchone()
        return row[0] if row else None


def manage(cluster: Cluster, *args: str, **env: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": cluster.primary.url, **env},
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def setup() -> Iterator[Setup]:
    cluster = start_primary(port=random.randrange(20000, 60000))
    server: LiveServer | None = None
    try:
        manage(cluster, "migrate", "--noinput")
        manage(
            cluster,
            "createsuperuser",
            "--noinput",
            "--username",
            "ops",
            "--email",
            "ops@example.com",
            DJANGO_SUPERUSER_PASSWORD=PASSWORD,
        )
        start_replica(cluster)
        server = start_server(
            cluster.primary.settings_dict,
            env={
                "READ_DATABASE_URL": cluster.replica.url,
                "CONSISTENCY_WAIT_MS": str(WAIT_MS),
                "CONSISTENCY_MAX_WAITERS": str(MAX_WAITERS),
            },
            timeout=90,
        )
        token = httpx.post(
            f"{server.url}/api/auth/token/", json={"username": "ops", "password": PASSWORD}
        ).json()["token"]
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Token {token}"}, timeout=10
        ) as api:
            yield Setup(cluster, server, api)
    finally:
        if server is not None:
            server.stop()
        cluster.stop()


def command(
    setup: Setup, method: str, path: str, body: dict[str, object]
) -> tuple[dict[str, Any], str]:
    response = setup.api.request(method, path, json=body)
    assert response.status_code < 300, response.text
    token = response.headers[lsn.HEADER]
    assert lsn.parse(token) is not None
    return response.json(), token


@pytest.fixture(scope="module")
def trainer_id(setup: Setup) -> str:
    command(setup, "POST", "/api/branches/", {"slug": "downtown", "name": "Downtown", "city": "X"})
    trainer, _ = command(
        setup,
        "POST",
        "/api/trainers/",
        {
            "first_name": "Rita",
            "last_name": "Replica",
            "email": "rita@staff.example.com",
            "hired_on": "2020-01-01",
            "branch": "downtown",
        },
    )
    command(setup, "POST", f"/api/trainers/{trainer['id']}/publish/", {})
    return str(trainer["id"])


def pause_replay(setup: Setup) -> None:
    """Pause the replica's replay and wait until it has stopped (resume it in a finally)."""
    setup.replica_sql("SELECT pg_wal_replay_pause()")
    deadline = time.monotonic() + 10
    while setup.replica_sql("SELECT pg_get_wal_replay_pause_state()") != "paused":
        assert time.monotonic() < deadline
        time.sleep(0.01)


def query(setup: Setup, path: str, token: str | None = None) -> tuple[httpx.Response, float]:
    headers = {lsn.HEADER: token} if token else {}
    started = time.monotonic()
    response = setup.api.get(path, headers=headers)
    return response, time.monotonic() - started


def test_the_query_side_reads_a_streaming_replica(setup: Setup) -> None:
    assert setup.replica_sql("SELECT pg_is_in_recovery()") is True


def test_with_the_token_a_read_after_a_write_sees_the_write(setup: Setup, trainer_id: str) -> None:
    for n in range(5):
        _, token = command(setup, "PATCH", f"/api/trainers/{trainer_id}/", {"bio": f"Bio {n}"})
        response, _ = query(setup, f"/query/trainers/{trainer_id}", token)
        assert response.status_code == 200
        assert response.json()["bio"] == f"Bio {n}"
    response, _ = query(setup, "/query/trainers", token)
    assert response.status_code == 200
    response, _ = query(setup, f"/query/trainers?{lsn.QUERY_PARAM}={token}")
    assert response.status_code == 200


def test_a_paused_replica_makes_the_token_wait_then_503_and_resume_lets_it_through(
    setup: Setup, trainer_id: str
) -> None:
    path = f"/query/trainers/{trainer_id}"
    _, before = command(setup, "PATCH", f"/api/trainers/{trainer_id}/", {"bio": "Before"})
    assert query(setup, path, before)[0].json()["bio"] == "Before"
    pause_replay(setup)
    try:
        _, token = command(setup, "PATCH", f"/api/trainers/{trainer_id}/", {"bio": "After"})

        # Without a token: answered at once, from the replica as it is (stale).
        response, elapsed = query(setup, path)
        assert response.status_code == 200
        assert response.json()["bio"] == "Before"
        assert elapsed < WAIT_MS / 1000 / 2

        # With it: waits the whole bound, then 503 with Retry-After.
        response, elapsed = query(setup, path, token)
        assert response.status_code == 503
        assert response.headers["retry-after"] == "1"
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "replica_lagging"
        assert WAIT_MS / 1000 <= elapsed < WAIT_MS / 1000 + 1.0

        # Resumed while a request waits: it answers as soon as the replica has replayed.
        resume = threading.Timer(0.3, setup.replica_sql, ["SELECT pg_wal_replay_resume()"])
        resume.start()
        response, elapsed = query(setup, path, token)
        resume.join()
        assert response.status_code == 200
        assert response.json()["bio"] == "After"
        assert 0.3 <= elapsed < WAIT_MS / 1000
    finally:
        setup.replica_sql("SELECT pg_wal_replay_resume()")


def test_after_the_replica_catches_up_plain_reads_serve_the_change(
    setup: Setup, trainer_id: str
) -> None:
    """The cache hears of a write before the replica replays it; whatever it reads from
    the replica meanwhile is served but not kept, so once the replica has replayed the
    write, plain reads (no token, cache allowed) serve it."""
    path = f"/query/trainers/{trainer_id}"
    _, before = command(setup, "PATCH", f"/api/trainers/{trainer_id}/", {"bio": "Old bio"})
    assert query(setup, path, before)[0].json()["bio"] == "Old bio"
    pause_replay(setup)
    try:
        _, token = command(setup, "PATCH", f"/api/trainers/{trainer_id}/", {"bio": "New bio"})
        time.sleep(0.2)  # the announcement reaches the server; the replica is still behind
        for _ in range(3):
            response, _ = query(setup, path)
            assert response.json()["bio"] == "Old bio"
    finally:
        setup.replica_sql("SELECT pg_wal_replay_resume()")
    target = lsn.parse(token)
    assert target is not None
    deadline = time.monotonic() + 10
    while True:
        replayed = setup.replica_sql("SELECT pg_last_wal_replay_lsn()::text")
        if lsn.parse(str(replayed)) is not None and lsn.parse(str(replayed)) >= target:  # type: ignore[operator]
            break
        assert time.monotonic() < deadline, "the replica never replayed the write"
        time.sleep(0.01)
    deadline = time.monotonic() + 2
    while query(setup, path)[0].json()["bio"] != "New bio":
        assert time.monotonic() < deadline, "plain reads kept serving the old bio"
        time.sleep(0.05)
    # And it stays so: what the cache keeps now is the new bio.
    for _ in range(5):
        assert query(setup, path)[0].json()["bio"] == "New bio"


def pool_in_use(setup: Setup) -> float:
    """Connections running something: out of the pool and not idle in the lender."""
    text = httpx.get(f"{setup.server.url}/metrics").text
    values = {
        line.split("{")[0]: float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith(("readapi_pool_", "readapi_lender_"))
    }
    out = values["readapi_pool_pool_size"] - values["readapi_pool_pool_available"]
    return out - values["readapi_lender_idle"]


def test_waiters_share_one_poller_are_capped_and_forged_tokens_are_422(
    setup: Setup, trainer_id: str
) -> None:
    """Issue 17, finding 4: each waiting request held a pool connection and polled alone,
    with no cap, and a made-up token cost the whole wait."""
    path = f"/query/trainers/{trainer_id}"
    pause_replay(setup)
    try:
        _, token = command(setup, "PATCH", f"/api/trainers/{trainer_id}/", {"bio": "Capped"})
        forged, elapsed = query(setup, path, "FFFFFFFF/FFFFFFFF")
        assert forged.status_code == 422, forged.text
        assert elapsed < WAIT_MS / 1000 / 2

        # One client made beforehand: a client per thread spent its time building TLS
        # contexts (under the GIL, on a busy machine), which the timing below counted.
        limits = httpx.Limits(max_connections=MAX_WAITERS + 6)
        client = httpx.Client(base_url=setup.server.url, limits=limits)

        def one(_: int) -> tuple[httpx.Response, float]:
            started = time.monotonic()
            response = client.get(path, headers={lsn.HEADER: token})
            return response, time.monotonic() - started

        with client, ThreadPoolExecutor(MAX_WAITERS + 6) as pool:
            futures = [pool.submit(one, i) for i in range(MAX_WAITERS + 6)]
            time.sleep(WAIT_MS / 1000 / 2)
            in_use = pool_in_use(setup)
            results = [f.result() for f in futures]
        codes = [response.json()["code"] for response, _ in results]
        assert all(response.status_code == 503 for response, _ in results)
        assert codes.count("replica_lagging") == MAX_WAITERS
        assert codes.count("too_many_waiters") == 6
        for response, elapsed in results:
            assert response.headers["retry-after"] == "1"
            if response.json()["code"] == "too_many_waiters":
                assert elapsed < WAIT_MS / 1000 / 2
        # The waiters hold no connection: at most the poller's, for one statement.
        assert in_use <= 1
    finally:
        setup.replica_sql("SELECT pg_wal_replay_resume()")
