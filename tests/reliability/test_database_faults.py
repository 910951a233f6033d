"""PostgreSQL stops under load, then starts again; the app answers 503 meanwhile and recovers.

Runs on an embedded PostgreSQL of its own (never the shared one), migrated
with ``manage.py migrate``, behind a real uvicorn. During the outage every
request answers within ``MAX_LATENCY`` with 503 problem details and
``Retry-After`` (never a 500, never a hang) and ``/readyz`` is 503. After the
restart everything answers again without restarting the app, and every write
that was acknowledged (2xx) is in the database.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest

from config.dsn import database_url
from tests.config.test_embedded_pg import Attached, stop_postmaster
from tests.server import LiveServer, start_server

ROOT = Path(__file__).resolve().parents[2]
# The server's connect and pool timeouts; a request may wait for two of them at the moment
# PostgreSQL stops (seen: a query answered 503 after exactly 2 x READ_POOL_TIMEOUT).
TIMEOUT = 3
MAX_LATENCY = 10.0
OUTAGE = 6.0
LOAD_THREADS = 6
# /admin/ with a session cookie: Django must load the session, a non-DRF view touching the DB.
PROBES = ("/query/trainers", "/query/branches", "/readyz", "/admin/")
SESSION = {"sessionid": "x" * 32}

SETUP = (
    f"LOAD_THREADS = {LOAD_THREADS}\n"
    """
import json
from datetime import date
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from trainers import commands as c
from trainers.handlers import dispatch

user = User.objects.create_superuser("root", "root@gym.example.com", "a-long-test-password")
dispatch(c.BranchCreate(slug="downtown", name="Downtown", city="Lisbon"))
ids = []
for i in range(LOAD_THREADS):
    t = dispatch(c.TrainerRegister(first_name="Ana", last_name=f"Load{i}",
        email=f"load{i}@gym.example.com", hired_on=date(2020, 1, 1), branch="downtown"))
    dispatch(c.TrainerPublish(t.pk))
    ids.append(str(t.pk))
print(json.dumps({"token": Token.objects.create(user=user).key, "trainers": ids}))
"""
)


@dataclass
class Outcome:
    at: float
    kind: str
    status: int  # 0: transport error
    latency: float
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None


def pg_ctl(pgdata: Path, *args: str) -> None:
    """pgserver's own pg_ctl, as the OS user pgserver runs PostgreSQL as (when we are root)."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI), as in config/embedded_pg.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        from pgserver._commands import POSTGRES_BIN_PATH

    subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(pgdata), "-w", *args],
        user="pgserver" if os.geteuid() == 0 else None,
        check=True,
        capture_output=True,
        timeout=60,
    )


def manage(settings: dict[str, Any], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url(settings)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def own_postgres() -> Iterator[tuple[dict[str, Any], Path]]:
    data_dir = Path(tempfile.mkdtemp(prefix="tpf", dir="/tmp"))
    pgdata = (data_dir / "pg").resolve()
    attached = Attached(data_dir)  # keeps the server up while it lives
    try:
        yield attached.first["settings"], pgdata
    finally:
        with contextlib.suppress(Exception):
            attached.exit()
        attached.close()
        stop_postmaster(pgdata)
        shutil.rmtree(data_dir, ignore_errors=True)


class Load:
    """Threads that read and write until stopped; every answer is recorded."""

    def __init__(self, url: str, token: str, trainers: list[str]) -> None:
        self.url, self.token, self.trainers = url, token, trainers
        self.outcomes: list[Outcome] = []
        self.acknowledged: list[tuple[str, int, str]] = []  # trainer, version, bio
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.threads = [
            threading.Thread(target=self.work, args=(i,), daemon=True) for i in range(len(trainers))
        ]

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=2 * MAX_LATENCY)

    def record(self, kind: str, request: Any) -> httpx.Response | None:
        start = time.monotonic()
        try:
            response: httpx.Response = request()
        except httpx.TransportError:
            outcome = Outcome(start, kind, 0, time.monotonic() - start)
            response = None  # type: ignore[assignment]
        else:
            body = response.json() if "json" in response.headers.get("content-type", "") else None
            outcome = Outcome(
                start,
                kind,
                response.status_code,
                time.monotonic() - start,
                dict(response.headers),
                body,
            )
        with self.lock:
            self.outcomes.append(outcome)
        return response

    def work(self, i: int) -> None:
        trainer = self.trainers[i]
        auth = {"Authorization": f"Token {self.token}"}
        with httpx.Client(base_url=self.url, timeout=3 * MAX_LATENCY) as http:
            n = 0
            while not self.stop.is_set() and n < 10_000:
                n += 1
                bio = f"thread {i} write {n}"
                response = self.record(
                    "command",
                    lambda b=bio: http.patch(
                        f"/api/trainers/{trainer}/", json={"bio": b}, headers=auth
                    ),
                )
                if response is not None and response.status_code == 200:
                    with self.lock:
                        self.acknowledged.append((trainer, response.json()["version"], bio))
                self.record("query", lambda: http.get(f"/query/trainers/{trainer}"))
                time.sleep(0.02)


def probe(url: str) -> Outcome:
    start = time.monotonic()
    response = httpx.get(url, cookies=SESSION, timeout=3 * MAX_LATENCY)
    kind = "/readyz" if url.endswith("/readyz") else url
    body = response.json() if "json" in response.headers.get("content-type", "") else None
    return Outcome(
        start, kind, response.status_code, time.monotonic() - start, dict(response.headers), body
    )


def assert_unavailable(outcome: Outcome) -> None:
    assert outcome.status == 503, outcome
    assert outcome.latency < MAX_LATENCY, outcome
    assert int(outcome.headers["retry-after"]) > 0
    if outcome.kind != "/readyz":
        assert outcome.headers["content-type"].startswith("application/problem+json"), outcome
        assert outcome.body["status"] == 503


@pytest.mark.slow
@pytest.mark.e2e
@pytest.mark.timeout(240)
def test_an_outage_answers_503_and_the_app_recovers_without_losing_writes(
    own_postgres: tuple[dict[str, Any], Path],
) -> None:
    settings, pgdata = own_postgres
    manage(settings, "migrate", "--noinput")
    setup = json.loads(manage(settings, "shell", "-c", SETUP).strip().splitlines()[-1])
    server: LiveServer = start_server(
        settings,
        env={"DB_CONNECT_TIMEOUT": str(TIMEOUT), "READ_POOL_TIMEOUT": str(TIMEOUT)},
        timeout=60,
    )
    try:
        with Load(server.url, setup["token"], setup["trainers"]) as load:
            time.sleep(2)
            stopped_at = time.monotonic()
            pg_ctl(pgdata, "-m", "fast", "stop")
            stop_took = time.monotonic() - stopped_at

            time.sleep(OUTAGE / 2)  # connections in flight have failed by now
            with ThreadPoolExecutor(len(PROBES)) as pool:
                probed = list(pool.map(probe, [server.url + path for path in PROBES]))
            time.sleep(OUTAGE / 2)

            started_at = time.monotonic()
            pg_ctl(
                pgdata,
                "-o",
                '-h ""',
                "-o",
                f"-k {settings['HOST']}",
                "-l",
                str(pgdata / "log"),
                "start",
            )
            outage = time.monotonic() - stopped_at
            recovered_at = wait_for_recovery(server.url, setup)
            time.sleep(2)  # the load runs on after recovery
        outcomes = sorted(load.outcomes, key=lambda o: o.at)
    finally:
        server.stop()

    for outcome in probed:
        assert_unavailable(outcome)

    # Started once the server was down, and answered before it was back.
    during = [
        o for o in outcomes if stopped_at + stop_took + 0.5 < o.at and o.at + o.latency < started_at
    ]
    after = [o for o in outcomes if o.at > recovered_at + 0.5]
    statuses = sorted({o.status for o in outcomes})
    print(
        f"\noutage {outage:.1f} s (pg_ctl stop took {stop_took:.1f} s); "
        f"recovered {recovered_at - started_at:.1f} s after PostgreSQL restarted; "
        f"{len(outcomes)} requests, statuses {statuses}, "
        f"slowest {max(o.latency for o in outcomes):.1f} s; "
        f"{sum(o.status == 503 for o in during)} answered 503 during the outage; "
        f"{len(load.acknowledged)} writes acknowledged"
    )
    assert 500 not in statuses and 0 not in statuses, "a 500 or a dropped connection"
    slowest = max(outcomes, key=lambda o: o.latency)
    when = f"{slowest.at - stopped_at:+.1f} s from the stop, restart at {outage:.1f} s"
    assert slowest.latency < MAX_LATENCY, f"a request hung: {slowest.kind} {slowest.status}, {when}"
    assert during and all(o.status == 503 for o in during)
    for outcome in during:
        assert_unavailable(outcome)
    assert after and all(o.status == 200 for o in after), sorted({o.status for o in after})

    # No acknowledged write was lost: each one's event is there, with its content.
    with psycopg.connect(database_url(settings)) as conn:
        events = {
            (aggregate, version): payload
            for aggregate, version, payload in conn.execute(
                "SELECT aggregate_id, version, payload FROM trainers_event "
                "WHERE command = 'TrainerUpdateProfile'"
            )
        }
        last: dict[str, int] = dict(
            conn.execute("SELECT id::text, version FROM trainers_trainer").fetchall()
        )
        differences = conn.execute("SELECT count(*) FROM read.check()").fetchone()
    for trainer, version, bio in load.acknowledged:
        assert events.get((trainer, version), {}).get("bio") == bio, (trainer, version)
        assert last[trainer] >= version
    assert differences == (0,)


def wait_for_recovery(url: str, setup: dict[str, Any]) -> float:
    """When a query, a command and /readyz all answer 200 again (polls for at most 60 s)."""
    auth = {"Authorization": f"Token {setup['token']}"}
    deadline = time.monotonic() + 60
    with httpx.Client(base_url=url, timeout=MAX_LATENCY) as http:
        while time.monotonic() < deadline:
            trainer = setup["trainers"][0]
            if (
                http.get("/readyz").status_code == 200
                and http.get(f"/query/trainers/{trainer}").status_code == 200
                and http.get(f"/api/trainers/{trainer}/", headers=auth).status_code == 200
            ):
                return time.monotonic()
            time.sleep(0.1)
    raise AssertionError("the app did not recover within 60 s of PostgreSQL's restart")
