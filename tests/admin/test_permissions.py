"""Staff see only the buttons and actions their permissions allow, and can't use the others."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from tests.admin.helpers import events
from trainers.models import Status, Trainer

CHANGELIST = "/admin/trainers/trainer/"


@pytest.fixture
def staff_client(django_user_model: type[User]) -> Callable[..., Client]:
    def login(*codenames: str) -> Client:
        user = django_user_model.objects.create_user("clerk", password="pw-clerk-1", is_staff=True)
        user.user_permissions.set(Permission.objects.filter(codename__in=codenames))
        client = Client()
        client.force_login(user)
        return client

    return login


def test_view_only_staff_get_no_actions_and_no_buttons(
    staff_client: Callable[..., Client], trainer: Trainer
) -> None:
    client = staff_client("view_trainer")

    changelist = client.get(CHANGELIST)
    page = changelist.content.decode()
    assert changelist.status_code == 200
    # Only the export: every other action changes something.
    assert re.findall(
        r'<option value="(\w+)"', page.split('name="action"')[1].split("</select>")[0]
    ) == ["export_selected"]
    assert "addlink" not in page and "import-link" not in page
    change = client.get(f"{CHANGELIST}{trainer.pk}/change/").content.decode()
    assert 'name="_save"' not in change
    assert "deletelink" not in change
    assert "status-button" not in change and "status-badge status-draft" in change

    # Posting anyway changes nothing.
    client.post(CHANGELIST, {"action": "publish", "_selected_action": [str(trainer.pk)]})
    assert client.post(f"{CHANGELIST}{trainer.pk}/delete/", {"post": "yes"}).status_code == 403
    trainer.refresh_from_db()
    assert trainer.status == Status.DRAFT
    assert [e.command for e in events(trainer.pk)] == ["TrainerRegister"]


def test_editors_without_delete_get_the_status_actions_but_no_delete(
    staff_client: Callable[..., Client], trainer: Trainer
) -> None:
    client = staff_client("view_trainer", "change_trainer")

    page = client.get(CHANGELIST).content.decode()

    for action in ("publish", "unpublish", "put_on_leave", "retire", "assign_specialty"):
        assert f'value="{action}"' in page
    assert 'value="delete_selected"' not in page
    assert "deletelink" not in client.get(f"{CHANGELIST}{trainer.pk}/change/").content.decode()


def test_an_editors_action_is_recorded_as_theirs(
    staff_client: Callable[..., Client], make_trainer: Callable[..., Trainer]
) -> None:
    client = staff_client("view_trainer", "change_trainer")
    trainer = make_trainer()

    client.post(
        CHANGELIST, {"action": "publish", "_selected_action": [str(trainer.pk)], "apply": "1"}
    )

    last = events(trainer.pk)[-1]
    assert (last.command, last.actor_name) == ("TrainerPublish", "clerk")


def test_nobody_can_delete_branches_or_specialties(admin_client: Client) -> None:
    for model in ("branch", "specialty"):
        assert (
            'value="delete_selected"'
            not in admin_client.get(f"/admin/trainers/{model}/").content.decode()
        )
