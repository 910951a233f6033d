"""The periodic prune runs inside the app, in exactly one of its worker processes."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connections
from django.utils import timezone

from tests.server import start_server
from trainers.models import IdempotencyRecord

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_one_worker_prunes_periodically() -> None:
    user = User.objects.create_user("job-owner")
    record = IdempotencyRecord.objects.create(
        key="old", actor=user, method="POST", path="/api/x/", request_hash="h", status_code=201
    )
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    server = start_server(
        connections["default"].settings_dict,
        env={"RETENTION_INTERVAL_SECONDS": "0.3", "RETENTION_FIRST_RUN_SECONDS": "0.1"},
        args=("--workers", "2"),
        timeout=60,
    )
    try:
        deadline = time.monotonic() + 15
        while IdempotencyRecord.objects.filter(pk=record.pk).exists():
            assert time.monotonic() < deadline, server.output()
            time.sleep(0.1)
        time.sleep(1.5)  # several intervals: every worker has tried to take the job
        output = server.output()
    finally:
        server.stop()
    runners = re.findall(r"retention: process (\d+) runs the periodic prune", output)
    assert len(runners) == 1, output
    assert len(re.findall(r"retention: pruned \d+ idempotency records", output)) >= 3, output
    assert len(set(re.findall(r"Started server process \[(\d+)\]", output))) == 2, output
