"""Retention (issue 17, finding 6): idempotency records and the change log are pruned."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from config.dsn import write_dsn
from tests.api.conftest import trainer_payload
from trainers import retention
from trainers.models import Branch, IdempotencyRecord, Trainer

pytestmark = pytest.mark.django_db(transaction=True)


def age_records(hours: float) -> None:
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=hours))


def changes() -> list[tuple[int, Any]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, changed_at FROM read.change ORDER BY id")
        return list(cursor.fetchall())


def horizon() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pruned_through FROM read.change_horizon")
        (value,) = cursor.fetchone()
        return int(value)


def publish(api: APIClient, n: int) -> str:
    body = trainer_payload(email=f"kept{n}@staff.example.com")
    trainer = api.post("/api/trainers/", body, format="json", HTTP_IDEMPOTENCY_KEY=f"k{n}")
    assert trainer.status_code == 201, trainer.json()
    trainer_id = str(trainer.json()["id"])
    assert api.post(f"/api/trainers/{trainer_id}/publish/", {}, format="json").status_code == 200
    return trainer_id


def test_expired_idempotency_records_are_pruned_and_fresh_ones_kept(
    api: APIClient, branch: Branch, settings: Any
) -> None:
    settings.IDEMPOTENCY_TTL_HOURS = 2
    publish(api, 1)
    age_records(3)
    publish(api, 2)
    assert IdempotencyRecord.objects.count() == 2
    result = retention.prune()
    assert (result.ran, result.idempotency_records) == (True, 1)
    # What is left is the fresh one; the expired key may be used again (a new request).
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["k2"]


def test_an_expired_key_runs_again_even_before_the_prune(
    api: APIClient, branch: Branch, settings: Any
) -> None:
    settings.IDEMPOTENCY_TTL_HOURS = 1
    body = trainer_payload()
    assert (
        api.post("/api/trainers/", body, format="json", HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    )
    age_records(1.5)
    again = api.post(
        "/api/trainers/",
        {**body, "email": "other@staff.example.com"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Trainer.objects.count() == 2


def test_changes_past_the_window_are_pruned_never_the_newest(
    api: APIClient, branch: Branch, settings: Any
) -> None:
    settings.CHANGE_RETENTION_DAYS = 7
    for n in range(3):
        publish(api, n)
    ids = [change_id for change_id, _ in changes()]
    assert len(ids) >= 3
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE read.change SET changed_at = now() - interval '8 days' WHERE id < %s",
            [ids[-1]],
        )
    assert retention.prune().changes == len(ids) - 1
    assert [change_id for change_id, _ in changes()] == [ids[-1]]
    assert horizon() == ids[-2]
    # Everything old: the newest change stays, so the feed still knows where it is.
    with connection.cursor() as cursor:
        cursor.execute("UPDATE read.change SET changed_at = now() - interval '80 days'")
    assert retention.prune().changes == 0
    assert [change_id for change_id, _ in changes()] == [ids[-1]]


def test_two_prunes_never_overlap(db: None) -> None:
    with psycopg.connect(write_dsn()) as other:
        other.execute("SELECT pg_advisory_xact_lock(%s)", [retention.PRUNE_LOCK])
        assert retention.prune() == retention.Pruned(ran=False)
        with pytest.raises(CommandError, match="Another prune is running"):
            call_command("prune_retention")
    assert retention.prune().ran


def test_the_command_says_what_it_pruned(api: APIClient, branch: Branch, capsys: Any) -> None:
    publish(api, 1)
    age_records(48)
    call_command("prune_retention")
    assert "Pruned 1 idempotency records and " in capsys.readouterr().out
