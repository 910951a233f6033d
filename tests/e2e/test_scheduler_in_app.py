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
from trainers.models import ScheduledChange, ScheduleState, Status, Trainer

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
