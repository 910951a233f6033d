"""A rebuild while command handlers write and readers read: nobody notices, nothing is lost."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

import psycopg
from django.db import OperationalError, connection, connections
from fastapi.testclient import TestClient

from config.dsn import write_dsn
from tests.factories import make_branch, make_specialty, make_trainer
from trainers.commands import (
    TrainerPublish,
    TrainerRegister,
    TrainerUnpublish,
    TrainerUpdateProfile,
)
from trainers.handlers import trainer_change_status, trainer_register, trainer_update_profile
from trainers.projection import read_model_check
from trainers.rebuild import RebuildReport, read_model_swap_rebuild

STABLE = 120  # public trainers nobody writes to: readers must always see every one of them
PAGE = 20
REBUILDS = 3


class Load:
    def __init__(self) -> None:
        self.stop = threading.Event()
        self.failures: list[str] = []
        self.reads = 0
        self.writes = 0
        self.expected: dict[UUID, tuple[bool, int]] = {}  # trainer -> (public, version)
        self.lock = threading.Lock()

    def fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)


def writer(load: Load, number: int) -> None:
    """Registers, publishes, edits and sometimes unpublishes trainers, through the handlers."""
    try:
        i = 0
        while not load.stop.is_set():
            i += 1
            register = TrainerRegister(
                first_name="Writer",
                last_name=f"W{number}n{i}",
                email=f"w{number}n{i}@load.example.com",
                hired_on=date(2020, 1, 1),
                branch="load",
                specialties=("yoga",),
            )
            trainer = retry(trainer_register, register)
            trainer = retry(trainer_change_status, TrainerPublish(trainer_id=trainer.pk))
            edit = TrainerUpdateProfile(trainer_id=trainer.pk, bio=f"edit {i}")
            trainer = retry(trainer_update_profile, edit)
            if i % 3 == 0:
                trainer = retry(trainer_change_status, TrainerUnpublish(trainer_id=trainer.pk))
            with load.lock:
                load.expected[trainer.pk] = (trainer.status == "published", trainer.version)
                load.writes += 4 if i % 3 == 0 else 3
    except Exception as exc:
        load.fail(f"writer {number}: {exc!r}")
    finally:
        connection.close()


def retry(handler: Callable[[Any], Any], command: object) -> Any:
    """Two commands touching the same facet rows may deadlock; PostgreSQL aborts one."""
    for attempt in range(5):
        try:
            return handler(command)
        except OperationalError:
            if attempt == 4:
                raise
            time.sleep(0.01)
    raise AssertionError("unreachable")


def sql_reader(load: Load, stable: list[UUID]) -> None:
    """Prepared statements on one long-lived connection, like the query side's pool."""
    try:
        with psycopg.connect(write_dsn(), autocommit=True, prepare_threshold=0) as conn:
            while not load.stop.is_set():
                seen = conn.execute(
                    "SELECT count(*) FROM read.trainer WHERE id = ANY(%s)", [stable]
                ).fetchone()
                page = conn.execute(
                    "SELECT id FROM read.trainer ORDER BY sort_key, id LIMIT %s", [PAGE]
                ).fetchall()
                one = conn.execute(
                    "SELECT item FROM read.trainer WHERE id = %s", [stable[load.reads % STABLE]]
                ).fetchone()
                if seen != (STABLE,) or len(page) != PAGE or one is None:
                    load.fail(f"SQL reader saw {seen} stable trainers, a page of {len(page)}")
                load.reads += 1
    except Exception as exc:
        load.fail(f"SQL reader: {exc!r}")


def http_reader(load: Load, client: TestClient, stable: list[UUID]) -> None:
    """The public query API, through the composed ASGI app."""
    try:
        while not load.stop.is_set():
            page = client.get(f"/query/trainers?limit={PAGE}")
            one = client.get(f"/query/trainers/{stable[load.reads % STABLE]}")
            if page.status_code != 200 or len(page.json()["items"]) != PAGE:
                load.fail(f"HTTP reader got {page.status_code} {page.text[:200]}")
            if one.status_code != 200:
                load.fail(f"HTTP reader got {one.status_code} for a stable trainer")
            load.reads += 1
    except Exception as exc:
        load.fail(f"HTTP reader: {exc!r}")


def test_rebuild_under_writers_and_readers(app_client: TestClient) -> None:
    branch = make_branch(slug="load")
    make_specialty(slug="yoga", name="Yoga")
    stable = [make_trainer(branch=branch).pk for _ in range(STABLE)]
    load = Load()
    threads = [threading.Thread(target=writer, args=(load, n)) for n in range(2)]
    threads += [threading.Thread(target=sql_reader, args=(load, stable)) for _ in range(2)]
    threads.append(threading.Thread(target=http_reader, args=(load, app_client, stable)))

    def slowly(phase: str) -> None:
        # Let writers commit inside the build's snapshot and between build and swap.
        if phase in {"load read.trainer", "swap"}:
            time.sleep(0.4)

    reports: list[RebuildReport] = []
    for thread in threads:
        thread.start()
    try:
        time.sleep(0.5)
        for _ in range(REBUILDS):
            reports.append(read_model_swap_rebuild(progress=slowly))
            time.sleep(0.2)
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(30)
        connections.close_all()

    assert load.failures == []
    assert load.reads > 50 and load.writes > 20
    assert any(r.caught_up["trainer"] > 0 for r in reports), "no write landed during a build"
    assert any(r.reprojected["trainer"] > 0 for r in reports), "no write landed before a swap"
    assert read_model_check() == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, version FROM read.trainer")
        projected = dict(cursor.fetchall())
    for trainer_id, (public, version) in load.expected.items():
        assert projected.get(trainer_id) == (version if public else None), trainer_id
