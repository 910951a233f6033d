"""Status, check and rebuild over /ops/, and the runs they record."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client

from tests.factories import make_class, make_specialty, make_trainer
from tests.trainers.conftest import register_command
from trainers.commands import BranchCreate, TrainerPublish
from trainers.cqrs import Actor
from trainers.handlers import branch_create, trainer_change_status, trainer_register
from trainers.models import ReadModelRun, Status
from trainers.ops.background import wait_for_rebuilds
from trainers.rebuild import REBUILD_LOCK


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def break_read_model() -> dict[str, Any]:
    """Three kinds of damage by raw SQL: a changed row, a deleted row, a bogus row."""
    changed, deleted = make_trainer(), make_trainer()
    make_class(changed)
    sql(
        'UPDATE read.trainer SET item = item || \'{"first_name": "Mallory"}\' WHERE id = %s',
        [changed.pk],
    )
    sql("DELETE FROM read.trainer WHERE id = %s", [deleted.pk])
    sql(
        "INSERT INTO read.trainer SELECT gen_random_uuid(), slug || '-bogus', sort_key, names,"
        " first_name, last_name, position, shift, on_leave, hired_on, branch_id,"
        " specialty_ids, weekdays, search, version, item, profile FROM read.trainer WHERE id = %s",
        [changed.pk],
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT id::text FROM read.trainer WHERE slug LIKE '%%-bogus'")
        bogus = cursor.fetchone()[0]
    return {"changed": str(changed.pk), "deleted": str(deleted.pk), "bogus": bogus}


@pytest.mark.django_db
class TestStatus:
    def test_counts_newest_event_and_last_runs(self, ops: Client) -> None:
        actor = Actor(user_id=None, name="seed")
        branch_create(BranchCreate(slug="central", name="Central", city="Berlin"), actor=actor)
        make_specialty(slug="yoga", name="Yoga")
        public = trainer_register(register_command(), actor=actor)
        trainer_change_status(TrainerPublish(trainer_id=public.pk), actor=actor)
        trainer_register(register_command(email="draft@example.com", last_name="Draft"))
        make_class(public)
        make_trainer(status=Status.RETIRED)

        status = ops.get("/ops/read-model/status").json()

        assert status["write_model"] == {
            "trainers": 3,
            "public_trainers": 1,
            "public_classes": 1,
            "branches": 2,
            "specialties": 1,
        }
        assert status["read_model"] == {
            "trainers": 1,
            "classes": 1,
            "branches": 2,
            "specialties": 1,
        }
        assert status["counts_match"] is True
        assert status["projection"] == "synchronous"
        newest = status["newest_event"]
        assert newest["command"] == "TrainerRegister"
        assert newest["aggregate_type"] == "trainer"
        assert "payload" not in newest  # private fields stay in the history endpoint
        assert status["newest_projected_event_id"] == newest["id"]
        assert status["rebuild_running"] is False
        assert status["last_rebuild"] is None and status["last_check"] is None

        ops.post("/ops/read-model/check")
        status = ops.get("/ops/read-model/status").json()
        assert status["last_check"]["state"] == "succeeded"
        assert status["last_check"]["differences"] == 0
        assert status["last_check"]["actor"] == "operator"

    def test_counts_show_a_missing_row(self, ops: Client) -> None:
        trainer = make_trainer()
        sql("DELETE FROM read.trainer WHERE id = %s", [trainer.pk])
        status = ops.get("/ops/read-model/status").json()
        assert status["write_model"]["public_trainers"] == 1
        assert status["read_model"]["trainers"] == 0
        assert status["counts_match"] is False
        assert status["newest_event"] is None  # written by the ORM: no command, no event


@pytest.mark.django_db
def test_check_reports_each_difference_and_records_the_run(ops: Client) -> None:
    broken = break_read_model()
    body = ops.post("/ops/read-model/check").json()

    problems = {(d["relation"], d["key"]): d["problem"] for d in body["differences"]}
    assert problems[("read.trainer", broken["changed"])] == "differs in item"
    assert problems[("read.trainer", broken["deleted"])] == "missing"
    assert problems[("read.trainer", broken["bogus"])] == "unexpected"
    assert body["total"] == len(body["differences"]) and not body["truncated"]
    run = ReadModelRun.objects.get(pk=body["run"]["id"])
    assert run.kind == "check" and run.state == "succeeded"
    assert run.differences == body["total"]
    assert run.actor is not None and run.actor.username == "operator"
    assert run.result["by_relation"]["read.trainer"] == 3
    assert run.finished_at is not None and run.finished_at >= run.started_at


@pytest.mark.django_db(transaction=True)
def test_rebuild_runs_in_the_background_and_repairs(ops: Client) -> None:
    broken = break_read_model()
    response = ops.post("/ops/read-model/rebuild")
    assert response.status_code == 202
    run_url = response["Location"]
    assert run_url == f"/ops/read-model/runs/{response.json()['id']}"
    wait_for_rebuilds()

    run = ops.get(run_url).json()
    assert run["state"] == "succeeded", run["error"]
    assert run["kind"] == "rebuild" and run["actor"] == "operator"
    # The changed row, the missing one and the bogus one; the branch count of the missing one.
    assert run["differences"] >= 3
    assert run["result"]["relations"]["trainer"]["rows"] == 2
    assert run["result"]["swap_attempts"] == 1
    assert 0 < run["result"]["readers_blocked_ms"] <= run["result"]["writers_blocked_ms"] < 5000
    assert set(run["result"]["phases_ms"]) == {
        "load read.branch",
        "load read.specialty",
        "load read.trainer",
        "load read.class",
        "load read.search_term",
        "index",
        "catch up",
        "swap",
    }
    after = ops.post("/ops/read-model/check").json()
    assert after["total"] == 0, after["differences"]
    assert broken  # repaired: nothing differs any more
    status = ops.get("/ops/read-model/status").json()
    assert status["last_rebuild"]["id"] == run["id"]


@pytest.mark.django_db(transaction=True)
def test_a_check_can_run_in_the_background(ops: Client) -> None:
    break_read_model()
    response = ops.post("/ops/read-model/check?background=true")
    assert response.status_code == 202
    wait_for_rebuilds()
    run = ops.get(response["Location"]).json()
    assert run["kind"] == "check" and run["state"] == "succeeded"
    assert run["differences"] == 3
    problems = {d["problem"] for d in run["result"]["items"]}
    assert problems == {"differs in item", "missing", "unexpected"}


@pytest.mark.django_db(transaction=True)
def test_a_second_rebuild_while_one_runs_is_a_409(ops: Client) -> None:
    from django.db import connections

    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [REBUILD_LOCK])
        response = ops.post("/ops/read-model/rebuild")
        assert response.status_code == 409
        assert response["Content-Type"] == "application/problem+json"
        assert ops.get("/ops/read-model/status").json()["rebuild_running"] is True
    finally:
        other.close()
    assert ops.get("/ops/read-model/status").json()["rebuild_running"] is False


@pytest.mark.django_db
def test_interrupted_rebuilds_are_marked_failed_by_the_next(ops: Client) -> None:
    stale = ReadModelRun.objects.create(kind="rebuild")  # its process died: nobody holds the lock
    from trainers.runs import run_start

    run_start(ReadModelRun.Kind.REBUILD, actor_name="test")
    stale.refresh_from_db()
    assert stale.state == "failed" and "Interrupted" in stale.error


@pytest.mark.django_db
def test_unknown_run_is_a_404_problem(ops: Client) -> None:
    response = ops.get("/ops/read-model/runs/999999")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
