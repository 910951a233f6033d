"""Scheduled status changes: run as normal commands when due, once, failures recorded."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from trainers import commands as c
from trainers import errors
from trainers.cqrs import Actor
from trainers.handlers import dispatch, status_change_schedule
from trainers.handlers.schedule import run_due
from trainers.models import Event, ScheduledChange, Status, Trainer

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def schedule(trainer: Trainer, action: str, at: datetime = NOW) -> ScheduledChange:
    command = c.StatusChangeSchedule(trainer.pk, action, at)
    return status_change_schedule(command, actor=Actor(None, "ops"))


def test_a_due_change_runs_as_its_command_once(trainer: Trainer) -> None:
    change = schedule(trainer, "publish")
    assert run_due(NOW - timedelta(seconds=1)) == 0  # not yet
    assert run_due(NOW) == 1
    assert run_due(NOW) == 0  # never twice
    change.refresh_from_db()
    assert (change.state, change.error) == ("done", "")
    trainer.refresh_from_db()
    assert trainer.status == Status.PUBLISHED
    last = Event.objects.filter(aggregate_id=str(trainer.pk)).latest("id")
    assert (last.command, last.actor_name) == ("TrainerPublish", "scheduler for ops")


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        ("leave", "A draft trainer cannot be put on leave."),
        ("return", "Only a trainer on leave can come back from leave."),
    ],
)
def test_a_change_no_longer_allowed_is_recorded_as_failed(
    trainer: Trainer, action: str, reason: str
) -> None:
    change = schedule(trainer, action)
    assert run_due(NOW) == 1
    change.refresh_from_db()
    assert (change.state, change.error) == ("failed", reason)
    assert Trainer.objects.get(pk=trainer.pk).status == Status.DRAFT


def test_back_from_leave(trainer: Trainer) -> None:
    dispatch(c.TrainerPublish(trainer.pk))
    dispatch(c.TrainerPutOnLeave(trainer.pk))
    schedule(trainer, "return")
    run_due(NOW)
    assert Trainer.objects.get(pk=trainer.pk).status == Status.PUBLISHED


@pytest.mark.parametrize(
    ("action", "at", "field"),
    [
        ("dance", NOW, "action"),
        ("publish", NOW.replace(tzinfo=None), "at"),
    ],
)
def test_bad_schedules_are_refused(trainer: Trainer, action: str, at: datetime, field: str) -> None:
    with pytest.raises(errors.InvalidInput) as exc:
        schedule(trainer, action, at)
    assert list(exc.value.errors) == [field]
    assert not ScheduledChange.objects.exists()


def test_cancel_only_a_pending_change(trainer: Trainer) -> None:
    change = schedule(trainer, "publish")
    dispatch(c.StatusChangeCancel(change.pk))
    assert run_due(NOW) == 0
    with pytest.raises(errors.RuleViolation):
        dispatch(c.StatusChangeCancel(change.pk))
    with pytest.raises(errors.NotFound):
        dispatch(c.StatusChangeCancel(change.pk + 99))


def test_the_management_command_runs_due_changes(trainer: Trainer) -> None:
    schedule(trainer, "publish", datetime.now(UTC) - timedelta(minutes=1))
    out = StringIO()
    call_command("run_scheduler", "--once", stdout=out)
    assert out.getvalue().strip() == "ran 1 scheduled change(s)"


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_run_each_change_exactly_once(branch: object, yoga: object) -> None:
    from tests.trainers.conftest import register_command

    trainers = [
        dispatch(register_command(email=f"t{i}@example.com", first_name=f"T{i}")) for i in range(12)
    ]
    for trainer in trainers:
        schedule(trainer, "publish")
    counts: list[int] = []

    def scheduler() -> None:
        try:
            counts.append(run_due(NOW))
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(counts) == 12
    assert set(ScheduledChange.objects.values_list("state", flat=True)) == {"done"}
    for trainer in trainers:
        publishes = Event.objects.filter(aggregate_id=str(trainer.pk), command="TrainerPublish")
        assert publishes.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_background_scheduler_runs_a_change_within_seconds(
    branch: object, yoga: object
) -> None:
    from tests.trainers.conftest import register_command
    from trainers.scheduler import BackgroundScheduler

    trainer = dispatch(register_command())
    change = schedule(trainer, "publish", datetime.now(UTC) + timedelta(seconds=1))
    scheduler = BackgroundScheduler(interval=0.2)
    scheduler.start()
    try:
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            change.refresh_from_db()
            if change.state != "pending":
                break
            time.sleep(0.1)
    finally:
        scheduler.stop()
    assert change.state == "done"
    assert not scheduler.thread.is_alive()
    assert change.ran_at is not None and change.ran_at - change.run_at < timedelta(seconds=5)


@pytest.mark.django_db(transaction=True)
def test_the_background_scheduler_keeps_its_connection_and_survives_losing_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import trainers.scheduler as scheduler_module

    seen: list[int] = []
    real_run_due = run_due  # what the scheduler module imported

    def observed_run_due() -> int:
        ran = real_run_due()
        # ``connection`` in the scheduler's thread is that thread's own.
        seen.append(connection.connection.info.backend_pid)
        return ran

    monkeypatch.setattr(scheduler_module, "run_due", observed_run_due)
    scheduler = scheduler_module.BackgroundScheduler(interval=0.02)
    scheduler.start()
    try:
        deadline = time.monotonic() + 10
        while len(seen) < 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        first = seen[:5]
        assert len(first) == 5 and len(set(first)) == 1, first  # one connection, kept
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [first[0]])
        passes = len(seen)
        while len(seen) < passes + 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        later = seen[passes:]
        assert len(later) >= 5 and first[0] not in later[-3:], later  # connected again
        assert scheduler.thread.is_alive()
    finally:
        scheduler.stop()
    assert not scheduler.thread.is_alive()
