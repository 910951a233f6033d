"""Scheduled changes run inside the app server by default (SCHEDULER_IN_APP), and stop
with it: a publish due now is done within a few seconds, with no other process."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connections
from django.utils import timezone

from tests.factories import make_trainer
from tests.server import start_server
from trainers import commands as c
from trainers.handlers.schedule import status_change_schedule
from trainers.models import Event, ScheduledChange, ScheduleState, Status, Trainer

pytestmark = pytest.mark.e2e


def test_the_app_server_runs_due_changes(transactional_db: None) -> None:
    draft = make_trainer(status=Status.DRAFT)
    server = start_server(connections["default"].settings_dict, env={"SCHEDULER_IN_APP": "1"})
    try:
        change = status_change_schedule(
            c.StatusChangeSchedule(draft.id, "publish", timezone.now() + timedelta(seconds=1))
        )
        deadline = time.monotonic() + 10
        while ScheduledChange.objects.get(pk=change.pk).state == ScheduleState.PENDING:
            assert time.monotonic() < deadline, "the app did not run the due change"
            time.sleep(0.1)
        assert ScheduledChange.objects.get(pk=change.pk).state == ScheduleState.DONE
        assert Trainer.objects.get(pk=draft.pk).status == Status.PUBLISHED
    finally:
        server.stop()
    assert "scheduler pass failed" not in server.output()


def test_a_pending_change_survives_a_restart(transactional_db: None) -> None:
    """Scheduled while one server ran, due after it stopped: the next server runs it, once
    (the rows live in PostgreSQL, not in a process)."""
    draft = make_trainer(status=Status.DRAFT)
    first = start_server(connections["default"].settings_dict, env={"SCHEDULER_IN_APP": "1"})
    try:
        change = status_change_schedule(
            c.StatusChangeSchedule(draft.id, "publish", timezone.now() + timedelta(seconds=5))
        )
    finally:
        first.stop()
    assert ScheduledChange.objects.get(pk=change.pk).state == ScheduleState.PENDING
    second = start_server(connections["default"].settings_dict, env={"SCHEDULER_IN_APP": "1"})
    try:
        deadline = time.monotonic() + 15
        while ScheduledChange.objects.get(pk=change.pk).state == ScheduleState.PENDING:
            assert time.monotonic() < deadline, "the restarted app did not run the change"
            time.sleep(0.1)
    finally:
        second.stop()
    done = ScheduledChange.objects.get(pk=change.pk)
    assert done.state == ScheduleState.DONE
    assert done.ran_at is not None and done.ran_at >= done.run_at
    assert Trainer.objects.get(pk=draft.pk).status == Status.PUBLISHED
    assert Event.objects.filter(aggregate_id=str(draft.pk), command="TrainerPublish").count() == 1
