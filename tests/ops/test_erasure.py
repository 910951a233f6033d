"""Erasure (issue 17, finding 6): a departed trainer's personal data leaves every store
that held it, and the audit trail keeps its structure."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from tests.api.conftest import make_user as make_api_user
from tests.api.conftest import token_client as api_client
from tests.images import photo, stored
from tests.ops.conftest import MakeClient
from trainers.commands import TrainerErase, TrainerSetPhoto
from trainers.handlers import dispatch
from trainers.models import Branch, Event, IdempotencyRecord, Trainer

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "jane.private@staff.example.com"
SECRETS = (EMAIL, "+351 912 345 678", "Janeprivate", "1990-04-02", "knee surgery")


@pytest.fixture
def departed(app_client: Any) -> str:
    """A trainer with personal data in her events, an idempotency record and the admin log."""
    Branch.objects.create(slug="downtown", name="Downtown", city="Lisbon")
    perms = [f"{a}_{m}" for a in ("add", "change", "view") for m in ("trainer", "certification")]
    api: APIClient = api_client(make_api_user(*perms, username="hr"))
    body = {
        "first_name": "Jane",
        "last_name": "Janeprivate",
        "email": EMAIL,
        "phone": "+351 912 345 678",
        "date_of_birth": "1990-04-02",
        "hired_on": "2020-01-06",
        "branch": "downtown",
        "internal_notes": "knee surgery",
    }
    created = api.post("/api/trainers/", body, format="json", HTTP_IDEMPOTENCY_KEY="hire-jane")
    assert created.status_code == 201, created.json()
    trainer_id = str(created.json()["id"])
    url = f"/api/trainers/{trainer_id}/"
    assert api.patch(url, {"bio": "Janeprivate teaches yoga."}, format="json").status_code == 200
    assert api.post(f"{url}publish/", {}, format="json").status_code == 200
    LogEntry.objects.create(
        user_id=make_api_user(username="clerk").pk,
        content_type=ContentType.objects.get_for_model(Trainer),
        object_id=trainer_id,
        object_repr="Jane Janeprivate",
        action_flag=CHANGE,
        change_message="Changed email of Jane Janeprivate.",
    )
    assert app_client.get(f"/query/trainers/{trainer_id}").status_code == 200
    return trainer_id


def leftovers() -> list[str]:
    """Every secret still found in the event log, the idempotency records or the admin log."""
    found = []
    with connection.cursor() as cursor:
        for table, column in (
            ("trainers_event", "payload::text"),
            ("trainers_event", "changes::text"),
            ("trainers_idempotencyrecord", "response_body::text"),
            ("django_admin_log", "object_repr || change_message"),
        ):
            for secret in SECRETS:
                cursor.execute(
                    f"SELECT count(*) FROM {table} WHERE {column} LIKE %s",  # noqa: S608
                    [f"%{secret}%"],
                )
                if cursor.fetchone()[0]:
                    found.append(f"{secret} in {table}")
    return found


def test_the_ops_endpoint_erases_a_trainer(
    departed: str, client_for: MakeClient, app_client: Any
) -> None:
    assert leftovers(), "the fixture must leave personal data to erase"
    before = list(Event.objects.filter(aggregate_id=departed).values("id", "command", "actor_id"))
    ops: Client = client_for(staff=True, perms=("delete_trainer",))

    response = ops.post(f"/ops/trainers/{departed}/erase")

    assert response.status_code == 200, response.content
    assert response.json() == {
        "trainer_id": departed,
        "events_scrubbed": len(before),
        "idempotency_records_deleted": 1,
        "admin_log_entries_scrubbed": 1,
    }
    assert leftovers() == []
    assert not Trainer.objects.filter(pk=departed).exists()
    assert not IdempotencyRecord.objects.exists()
    # The audit trail keeps its structure (who did what, when) and records the erasure.
    after = list(Event.objects.filter(aggregate_id=departed).values("id", "command", "actor_id"))
    assert after[:-1] == before
    assert after[-1]["command"] == "TrainerErase"
    register = Event.objects.get(aggregate_id=departed, command="TrainerRegister")
    assert register.payload["email"] == "[erased]" and register.payload["branch"] == "downtown"
    # Gone from the public side too.
    assert app_client.get(f"/query/trainers/{departed}").status_code == 404


def test_the_endpoint_needs_the_delete_permission_and_a_known_trainer(
    departed: str, client_for: MakeClient
) -> None:
    viewer = client_for(staff=True, perms=("view_event",))
    assert viewer.post(f"/ops/trainers/{departed}/erase").status_code == 403
    deleter = client_for(staff=True, perms=("delete_trainer",))
    missing = deleter.post(f"/ops/trainers/{uuid4()}/erase")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"
    assert Trainer.objects.filter(pk=departed).exists()


def test_the_management_command_erases_a_trainer(departed: str, capsys: Any) -> None:
    call_command("erase_trainer", departed)
    assert f"Erased trainer {departed}" in capsys.readouterr().out
    assert leftovers() == []
    erase = Event.objects.get(aggregate_id=departed, command="TrainerErase")
    assert erase.actor_name.startswith("manage.py")
    with pytest.raises(CommandError, match="not a trainer id"):
        call_command("erase_trainer", "nobody")
    with pytest.raises(CommandError):
        call_command("erase_trainer", departed)
    call_command("check_read_model", verbosity=0)


def test_an_erased_trainers_history_still_reads(departed: str, client_for: MakeClient) -> None:
    """The history keeps each change's shape ({"old", "new"}), its values erased: the ops
    history of an erased trainer was a 500 (a bare "[erased]" where a change belongs)."""
    call_command("erase_trainer", departed)
    ops: Client = client_for(staff=True, perms=("view_event", "change_trainer"))
    response = ops.get(f"/ops/trainers/{departed}/events?limit=100")
    assert response.status_code == 200, response.content
    changes = [item["changes"] for item in response.json()["items"]]
    assert {"email": {"old": None, "new": "[erased]"}} in [
        {k: v for k, v in c.items() if k == "email"} for c in changes
    ]
    for change in changes:
        for field, values in change.items():
            assert set(values) == {"old", "new"}, (field, values)


def test_erasure_deletes_the_photo_files(departed: str, media_root: Path) -> None:
    """A photo is personal data: its files go with the trainer, its address leaves the log."""
    dispatch(TrainerSetPhoto(Trainer.objects.get(pk=departed).pk, photo()))
    files = stored(media_root)
    assert files and all(departed in name for name in files)
    dispatch(TrainerErase(trainer_id=Trainer.objects.get(pk=departed).pk))
    assert stored(media_root) == set()
    set_photo = Event.objects.get(aggregate_id=departed, command="TrainerSetPhoto")
    assert set_photo.payload["photo"] == "[erased]"
    assert set_photo.changes == {"photo": {"old": None, "new": "[erased]"}}
