"""Concurrent writers: optimistic concurrency holds under real parallel requests.

The HTTP tests run uvicorn with several worker processes, so that requests
really overlap in PostgreSQL (one Django process runs sync views one at a
time). The handler test adds threads with a connection each, hitting the
``SELECT ... FOR UPDATE`` + version check with no HTTP in between.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.test import Client

from tests.admin.helpers import form_data
from tests.reliability.conftest import register
from tests.server import LiveServer, start_server
from trainers import commands as c
from trainers import errors
from trainers.handlers import dispatch
from trainers.models import Branch, Event, Trainer
from trainers.projection import read_model_check

WRITERS = 32
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def server(django_db_setup: None) -> Iterator[LiveServer]:
    """Two worker processes over the test database, shared by this module's tests."""
    live = start_server(connections["default"].settings_dict, args=("--workers", "2"), timeout=90)
    try:
        yield live
    finally:
        live.stop()


def all_at_once(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``n`` threads released together by a barrier."""
    barrier = threading.Barrier(n)

    def run(i: int) -> Any:
        barrier.wait(timeout=30)
        return work(i)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


def update_events(trainer: Trainer) -> list[Event]:
    return list(
        Event.objects.filter(aggregate_id=str(trainer.pk), command="TrainerUpdateProfile").order_by(
            "id"
        )
    )


def test_same_if_match_one_wins_the_rest_get_412(
    server: LiveServer, branch: Branch, superuser_token: str
) -> None:
    trainer = register()
    publish_and_check = dispatch(c.TrainerPublish(trainer.pk))  # public: the read row moves too
    assert publish_and_check.version == 2
    auth = {"Authorization": f"Token {superuser_token}", "If-Match": '"2"'}

    def patch(i: int) -> tuple[int, str]:
        response = httpx.patch(
            f"{server.url}/api/trainers/{trainer.pk}/",
            json={"bio": f"writer {i}"},
            headers=auth,
            timeout=30,
        )
        return response.status_code, f"writer {i}"

    results = all_at_once(WRITERS, patch)

    statuses = Counter(status for status, _ in results)
    print(f"\n{WRITERS} writers, one If-Match: {dict(statuses)}")
    assert statuses == {200: 1, 412: WRITERS - 1}
    (winner,) = [bio for status, bio in results if status == 200]
    trainer.refresh_from_db()
    assert (trainer.version, trainer.bio) == (3, winner), "a refused write leaked through"
    events = update_events(trainer)
    assert [(e.version, e.payload["bio"]) for e in events] == [(3, winner)]
    read = httpx.get(f"{server.url}/query/trainers/{trainer.pk}", timeout=10).json()
    assert read["bio"] == winner
    assert read_model_check() == []


def test_writers_on_different_trainers_all_succeed(
    server: LiveServer, branch: Branch, superuser_token: str
) -> None:
    trainers = [register() for _ in range(WRITERS)]
    auth = {"Authorization": f"Token {superuser_token}", "If-Match": '"1"'}

    def patch(i: int) -> int:
        return httpx.patch(
            f"{server.url}/api/trainers/{trainers[i].pk}/",
            json={"bio": f"writer {i}"},
            headers=auth,
            timeout=30,
        ).status_code

    statuses = all_at_once(WRITERS, patch)

    print(f"\n{WRITERS} writers, {WRITERS} trainers: {dict(Counter(statuses))}")
    assert statuses == [200] * WRITERS
    for i, trainer in enumerate(trainers):
        trainer.refresh_from_db()
        assert (trainer.version, trainer.bio) == (2, f"writer {i}")
        assert len(update_events(trainer)) == 1


def test_handlers_in_parallel_threads_admit_one_writer(branch: Branch) -> None:
    """Each thread has its own database connection: the row lock decides, not the GIL."""
    trainer = register()

    def update(i: int) -> str:
        try:
            dispatch(c.TrainerUpdateProfile(trainer.pk, expected_version=1, bio=f"t{i}"))
            return "ok"
        except errors.VersionConflict:
            return "conflict"
        finally:
            connections.close_all()

    outcomes = Counter(all_at_once(WRITERS, update))

    assert outcomes == {"ok": 1, "conflict": WRITERS - 1}
    trainer.refresh_from_db()
    assert trainer.version == 2
    assert len(update_events(trainer)) == 1


@pytest.mark.django_db
def test_two_admin_forms_on_one_trainer_the_second_save_is_refused() -> None:
    """Both editors load the change form at version 1; the later save must not overwrite."""
    dispatch(c.BranchCreate(slug="uptown", name="Uptown", city="Porto"))
    trainer = register(branch="uptown")
    alice = User.objects.create_superuser("alice", "alice@gym.example.com", "pw-alice-123456")
    bob = User.objects.create_superuser("bob", "bob@gym.example.com", "pw-bob-1234567")
    one, two = Client(), Client()
    one.force_login(alice)
    two.force_login(bob)
    url = f"/admin/trainers/trainer/{trainer.pk}/change/"
    first, second = form_data(one.get(url)), form_data(two.get(url))
    assert first["loaded_version"] == second["loaded_version"] == "1"

    first["bio"] = "Alice's bio"
    assert one.post(url, first).status_code == 302
    second["bio"] = "Bob's bio"
    second["first_name"] = "Robert"
    refused = two.post(url, second)

    assert refused.status_code == 200
    page = refused.content.decode()
    assert "alice saved this trainer while you were editing it" in page
    assert "Alice&#x27;s bio" in page and "Bob&#x27;s bio" in page  # theirs next to his
    trainer.refresh_from_db()
    assert (trainer.bio, trainer.first_name, trainer.version) == ("Alice's bio", "Ana", 2)
    assert [e.actor_name for e in update_events(trainer)] == ["alice"]
