"""Actions on selected trainers and deletes: one command per trainer, each outcome reported."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.test import Client

from tests.admin.helpers import events, messages_of
from trainers import commands as c
from trainers.handlers import dispatch
from trainers.models import Specialty, Status, Trainer

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

CHANGELIST = "/admin/trainers/trainer/"


def act(client: Client, action: str, *trainers: Trainer, **extra: str) -> Response:
    data = {"action": action, "_selected_action": [str(t.pk) for t in trainers], **extra}
    return client.post(CHANGELIST, data)


@pytest.fixture
def three(make_trainer: Callable[..., Trainer]) -> list[Trainer]:
    return [make_trainer("Ann", "Lee"), make_trainer("Bo", "Chan"), make_trainer("Cy", "Dee")]


class TestStatusActions:
    def test_publish_reports_each_success_and_each_failure(
        self, admin_client: Client, admin_user: User, three: list[Trainer]
    ) -> None:
        ann, bo, cy = three
        dispatch(c.TrainerPublish(ann.pk))

        response = act(admin_client, "publish", ann, bo, cy, apply="1")

        assert response.status_code == 302
        assert messages_of(response) == [
            "Published 2 trainers. Undo",
            "Could not publish Ann Lee: A published trainer cannot be published.",
        ]
        statuses = dict(Trainer.objects.values_list("first_name", "status"))
        assert statuses == {"Ann": "published", "Bo": "published", "Cy": "published"}
        for trainer in (bo, cy):
            last = events(trainer.pk)[-1]
            assert (last.command, last.version, last.actor_id) == (
                "TrainerPublish",
                2,
                admin_user.pk,
            )
        assert len(events(ann.pk)) == 2  # registered, published by the handler above: no more

    @pytest.mark.parametrize(
        ("action", "start", "command", "status", "message"),
        [
            (
                "unpublish",
                Status.PUBLISHED,
                "TrainerUnpublish",
                Status.DRAFT,
                "Unpublished 1 trainer. Undo",
            ),
            (
                "put_on_leave",
                Status.PUBLISHED,
                "TrainerPutOnLeave",
                Status.ON_LEAVE,
                "Put 1 trainer on leave. Undo",
            ),
            ("retire", Status.DRAFT, "TrainerRetire", Status.RETIRED, "Retired 1 trainer. Undo"),
        ],
    )
    def test_each_status_action_runs_its_command(
        self,
        admin_client: Client,
        trainer: Trainer,
        action: str,
        start: Status,
        command: str,
        status: Status,
        message: str,
    ) -> None:
        if start == Status.PUBLISHED:
            dispatch(c.TrainerPublish(trainer.pk))

        response = act(admin_client, action, trainer, apply="1")

        assert messages_of(response) == [message]
        trainer.refresh_from_db()
        assert trainer.status == status
        assert events(trainer.pk)[-1].command == command

    def test_a_refused_transition_changes_nothing(
        self, admin_client: Client, trainer: Trainer
    ) -> None:
        response = act(admin_client, "put_on_leave", trainer, apply="1")

        assert messages_of(response) == [
            "Could not put Ann Lee on leave: A draft trainer cannot be put on leave."
        ]
        trainer.refresh_from_db()
        assert (trainer.status, trainer.version) == (Status.DRAFT, 1)


class TestAssignSpecialty:
    def test_asks_for_the_specialty_first(
        self, admin_client: Client, three: list[Trainer], yoga: Specialty
    ) -> None:
        response = act(admin_client, "assign_specialty", *three[:2])

        assert response.status_code == 200
        page = response.content.decode()
        assert "Assign a specialty to 2 trainers" in page
        assert 'name="specialty"' in page
        for trainer in three[:2]:
            assert f'value="{trainer.pk}"' in page
        assert not Trainer.specialties.through.objects.exists()

    def test_confirmed_assigns_it_to_each_trainer_and_reports_who_had_it(
        self, admin_client: Client, admin_user: User, three: list[Trainer], yoga: Specialty
    ) -> None:
        ann, bo, cy = three
        dispatch(c.TrainerAssignSpecialty(ann.pk, "yoga"))

        response = act(
            admin_client, "assign_specialty", ann, bo, cy, specialty=str(yoga.pk), apply="Assign"
        )

        assert response.status_code == 302
        assert messages_of(response) == [
            "Assigned Yoga to 2 trainers.",
            "Could not assign Yoga to Ann Lee: Ann Lee already has the specialty Yoga.",
        ]
        assert set(yoga.trainers.values_list("first_name", flat=True)) == {"Ann", "Bo", "Cy"}
        last = events(bo.pk)[-1]
        assert (last.command, last.payload["specialty"], last.actor_id) == (
            "TrainerAssignSpecialty",
            "yoga",
            admin_user.pk,
        )

    def test_an_invalid_choice_shows_the_form_again(
        self, admin_client: Client, trainer: Trainer, yoga: Specialty
    ) -> None:
        response = act(
            admin_client, "assign_specialty", trainer, specialty="999999", apply="Assign"
        )

        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()
        assert [e.command for e in events(trainer.pk)] == ["TrainerRegister"]


class TestDelete:
    def test_the_delete_page_runs_trainer_delete(
        self, admin_client: Client, admin_user: User, trainer: Trainer
    ) -> None:
        url = f"{CHANGELIST}{trainer.pk}/delete/"
        assert admin_client.get(url).status_code == 200

        response = admin_client.post(url, {"post": "yes"})

        assert response.status_code == 302
        assert not Trainer.objects.exists()
        last = events(trainer.pk)[-1]
        assert (last.command, last.version, last.actor_id) == ("TrainerDelete", 2, admin_user.pk)

    def test_bulk_delete_confirms_then_deletes_each_trainer(
        self, admin_client: Client, admin_user: User, three: list[Trainer]
    ) -> None:
        confirm = act(admin_client, "delete_selected", *three[:2])
        assert confirm.status_code == 200
        assert "Are you sure" in confirm.content.decode()
        assert Trainer.objects.count() == 3

        response = act(admin_client, "delete_selected", *three[:2], post="yes")

        assert messages_of(response) == ["Deleted 2 trainers."]
        assert list(Trainer.objects.values_list("first_name", flat=True)) == ["Cy"]
        for trainer in three[:2]:
            last = events(trainer.pk)[-1]
            assert (last.command, last.actor_id) == ("TrainerDelete", admin_user.pk)

    def test_a_refused_delete_becomes_a_message(
        self, admin_client: Client, trainer: Trainer, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Whatever a handler refuses on the delete page is reported, never a server error."""
        from trainers.admin.trainer import TrainerAdmin

        monkeypatch.setattr(
            TrainerAdmin, "delete_command", lambda self, obj: c.TrainerDelete(obj.pk, 99)
        )
        url = f"{CHANGELIST}{trainer.pk}/delete/"

        response = admin_client.post(url, {"post": "yes"})

        assert response.status_code == 302
        assert "changed by someone else" in messages_of(response)[0]
        assert Trainer.objects.filter(pk=trainer.pk).exists()
        assert not LogEntry.objects.exists()  # rolled back with the refused command
