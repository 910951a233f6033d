"""GET /ops/trainers/{id}/events: a trainer's events, newest first, paged by event id."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from tests.factories import make_trainer
from tests.ops.conftest import MakeClient
from tests.trainers.conftest import register_command, schedule_command
from trainers.commands import BranchCreate, SpecialtyCreate, TrainerUpdateProfile
from trainers.cqrs import Actor
from trainers.handlers import (
    branch_create,
    dispatch,
    specialty_create,
    trainer_register,
    trainer_update_profile,
)
from trainers.history import HIDDEN
from trainers.models import Event, Trainer

pytestmark = pytest.mark.django_db


@pytest.fixture
def edited(operator: object) -> Trainer:
    """Registered, then edited six times: seven events at versions 1..7."""
    branch_create(BranchCreate(slug="central", name="Central", city="Berlin"))
    specialty_create(SpecialtyCreate(slug="yoga", name="Yoga"))
    actor = Actor(user_id=None, name="editor")
    trainer = trainer_register(register_command(), actor=actor)
    for n in range(6):
        trainer_update_profile(
            TrainerUpdateProfile(trainer_id=trainer.pk, bio=f"bio {n}"), actor=actor
        )
    other = trainer_register(register_command(email="other@example.com"), actor=actor)
    trainer_update_profile(TrainerUpdateProfile(trainer_id=other.pk, bio="not yours"))
    return trainer


def test_pages_newest_first_without_gaps_or_repeats(ops: Client, edited: Trainer) -> None:
    url = f"/ops/trainers/{edited.pk}/events"
    first = ops.get(url, {"limit": 3}).json()
    assert [e["version"] for e in first["items"]] == [7, 6, 5]
    second = ops.get(url, {"limit": 3, "before": first["next_before"]}).json()
    assert [e["version"] for e in second["items"]] == [4, 3, 2]
    last = ops.get(url, {"limit": 3, "before": second["next_before"]}).json()
    assert [e["version"] for e in last["items"]] == [1]
    assert last["next_before"] is None

    event = last["items"][0]
    assert event["command"] == "TrainerRegister"
    assert event["aggregate_id"] == str(edited.pk)
    assert event["actor"] == "editor"
    assert event["payload"]["first_name"] == "Ada"
    assert event["id"] == Event.objects.filter(aggregate_id=str(edited.pk)).order_by("id")[0].pk


def test_an_exact_last_page_says_there_is_no_next(ops: Client, edited: Trainer) -> None:
    page = ops.get(f"/ops/trainers/{edited.pk}/events", {"limit": 7}).json()
    assert len(page["items"]) == 7 and page["next_before"] is None


def test_default_page_size_is_twenty(ops: Client, edited: Trainer) -> None:
    for n in range(20):
        trainer_update_profile(TrainerUpdateProfile(trainer_id=edited.pk, bio=f"more {n}"))
    page = ops.get(f"/ops/trainers/{edited.pk}/events").json()
    assert len(page["items"]) == 20 and page["next_before"] is not None


def test_a_trainer_without_events_has_an_empty_history(ops: Client) -> None:
    trainer = make_trainer()  # written by the ORM: no command, no event
    assert ops.get(f"/ops/trainers/{trainer.pk}/events").json() == {
        "items": [],
        "next_before": None,
    }


def test_a_deleted_trainer_keeps_its_history(ops: Client, edited: Trainer) -> None:
    trainer_id = edited.pk
    Trainer.objects.filter(pk=trainer_id).delete()
    assert len(ops.get(f"/ops/trainers/{trainer_id}/events").json()["items"]) == 7


def test_unknown_trainer_is_a_404_problem(ops: Client) -> None:
    response = ops.get(f"/ops/trainers/{uuid.uuid4()}/events")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "before=0", "before=x", "limit=x"])
def test_bad_paging_parameters_are_422(ops: Client, query: str) -> None:
    response = ops.get(f"/ops/trainers/{uuid.uuid4()}/events?{query}")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"


def test_each_event_carries_its_changes_and_a_summary(ops: Client, edited: Trainer) -> None:
    newest = ops.get(f"/ops/trainers/{edited.pk}/events", {"limit": 1}).json()["items"][0]
    assert newest["changes"] == {"bio": {"old": "bio 4", "new": "bio 5"}}
    assert newest["summary"] == "Changed the profile"


def test_private_values_are_hidden_from_staff_who_may_not_change_trainers(
    edited: Trainer, client_for: MakeClient
) -> None:
    trainer_update_profile(TrainerUpdateProfile(trainer_id=edited.pk, phone="+1 5", bio="b"))
    url = f"/ops/trainers/{edited.pk}/events"
    viewer = client_for(staff=True, perms=("view_event",))
    editor = client_for(staff=True, perms=("view_event", "change_trainer"))
    assert viewer.get(url).json()["items"][0]["changes"] == {
        "phone": {"old": HIDDEN, "new": HIDDEN},
        "bio": {"old": "bio 5", "new": "b"},
    }
    assert viewer.get(url).json()["items"][0]["payload"]["phone"] == HIDDEN
    newest = editor.get(url).json()["items"][0]
    assert newest["changes"]["phone"] == {"old": "", "new": "+1 5"}
    assert newest["payload"]["phone"] == "+1 5"


def test_class_events_are_in_their_trainers_history(ops: Client, edited: Trainer) -> None:
    gym_class = dispatch(schedule_command(edited.pk))
    newest = ops.get(f"/ops/trainers/{edited.pk}/events", {"limit": 1}).json()["items"][0]
    assert (newest["aggregate_type"], newest["aggregate_id"]) == ("gym_class", str(gym_class.pk))
    assert newest["summary"] == "Scheduled the class Morning Flow (Monday 09:00)"
