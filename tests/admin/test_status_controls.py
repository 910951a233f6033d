"""Status on the trainer page (buttons), in the list (badge, Public), and bulk with Undo."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from tests.admin.helpers import events, messages_of
from tests.admin.test_trainer_actions import CHANGELIST, act
from trainers import commands as c
from trainers.handlers import dispatch
from trainers.models import Status, Trainer


def to(trainer: Trainer, *steps: type) -> Trainer:
    for step in steps:
        trainer = dispatch(step(trainer.pk))
    return trainer


STARTS = {
    Status.DRAFT: (),
    Status.PUBLISHED: (c.TrainerPublish,),
    Status.ON_LEAVE: (c.TrainerPublish, c.TrainerPutOnLeave),
    Status.RETIRED: (c.TrainerRetire,),
}


def buttons(page: str) -> list[str]:
    return re.findall(r'class="button status-button"[^>]*>([^<]+)</button>', page)


class TestChangePage:
    @pytest.mark.parametrize(
        ("status", "shown"),
        [
            (Status.DRAFT, ["Publish", "Retire"]),
            (Status.PUBLISHED, ["Unpublish", "On leave", "Retire"]),
            (Status.ON_LEAVE, ["Back from leave", "Unpublish", "Retire"]),
            (Status.RETIRED, ["Unpublish"]),
        ],
    )
    def test_only_the_allowed_changes_are_buttons(
        self, admin_client: Client, trainer: Trainer, status: Status, shown: list[str]
    ) -> None:
        to(trainer, *STARTS[status])
        page = admin_client.get(f"{CHANGELIST}{trainer.pk}/change/").content.decode()
        assert buttons(page) == shown
        assert f'class="status-badge status-{status.value}"' in page

    def test_a_button_runs_its_command_at_the_loaded_version(
        self, admin_client: Client, trainer: Trainer
    ) -> None:
        response = admin_client.post(
            f"{CHANGELIST}{trainer.pk}/status/",
            {"_status": "TrainerPublish", "loaded_version": "1"},
        )
        assert response.status_code == 302
        assert response["Location"] == f"{CHANGELIST}{trainer.pk}/change/"
        assert messages_of(response) == ["Ann Lee is now published."]
        trainer.refresh_from_db()
        assert (trainer.status, trainer.version) == (Status.PUBLISHED, 2)
        assert events(trainer.pk)[-1].command == "TrainerPublish"

    @pytest.mark.parametrize(
        ("status", "loaded", "message"),
        [
            ("TrainerPublish", "7", "changed by someone else"),
            ("TrainerPutOnLeave", "1", "A draft trainer cannot be put on leave."),
            ("TrainerDelete", "1", "Choose one of the status buttons."),
            ("TrainerPublish", "\x00", "Choose one of the status buttons."),
            ("TrainerPublish", "\u00b2", "Choose one of the status buttons."),
        ],
    )
    def test_a_refused_button_changes_nothing(
        self, admin_client: Client, trainer: Trainer, status: str, loaded: str, message: str
    ) -> None:
        response = admin_client.post(
            f"{CHANGELIST}{trainer.pk}/status/", {"_status": status, "loaded_version": loaded}
        )
        assert response.status_code == 302
        (shown,) = messages_of(response)
        assert message in shown
        trainer.refresh_from_db()
        assert (trainer.status, trainer.version) == (Status.DRAFT, 1)

    def test_a_get_or_an_unknown_trainer_changes_nothing(
        self, admin_client: Client, trainer: Trainer
    ) -> None:
        assert admin_client.get(f"{CHANGELIST}{trainer.pk}/status/").status_code == 403
        missing = "00000000-0000-0000-0000-000000000000"
        assert admin_client.post(f"{CHANGELIST}{missing}/status/").status_code == 404


def test_the_list_shows_badges_and_who_is_public(
    admin_client: Client, make_trainer: Callable[..., Trainer]
) -> None:
    to(make_trainer("Ann", "Lee"), c.TrainerPublish)
    make_trainer("Bo", "Chan")
    page = admin_client.get(CHANGELIST).content.decode()
    assert "status-badge status-published" in page and "status-badge status-draft" in page
    assert "column-public" in page
    assert page.count('alt="True"') == 1 and page.count('alt="False"') == 1
    assert "column-version" not in page


def undo_button(client: Client) -> str:
    """The next page shows the success message: its Undo button's address."""
    (url,) = re.findall(r'action="([^"]+/undo/[^"]+)"', client.get(CHANGELIST).content.decode())
    return str(url)


class TestBulk:
    @pytest.fixture
    def three(self, make_trainer: Callable[..., Trainer]) -> list[Trainer]:
        return [
            make_trainer("Ann", "Lee"),
            to(make_trainer("Bo", "Chan"), c.TrainerPublish),
            to(make_trainer("Cy", "Dee"), c.TrainerPublish, c.TrainerPutOnLeave),
        ]

    def test_asks_first_how_many_and_which(
        self, admin_client: Client, three: list[Trainer]
    ) -> None:
        response = act(admin_client, "retire", *three)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Retire 3 trainers?" in page
        for name in ("Ann Lee", "Bo Chan", "Cy Dee"):
            assert name in page
        assert 'value="Yes, retire 3 trainers"' in page
        assert not Trainer.objects.filter(status=Status.RETIRED).exists()

    def test_names_those_the_change_cannot_apply_to(
        self, admin_client: Client, three: list[Trainer]
    ) -> None:
        page = act(admin_client, "publish", *three).content.decode()
        assert "1 of them cannot take this change" in page  # Bo is published already

    def test_undo_puts_each_back_to_its_previous_status(
        self, admin_client: Client, three: list[Trainer]
    ) -> None:
        done = act(admin_client, "retire", *three, apply="1")
        assert messages_of(done) == ["Retired 3 trainers. Undo"]
        undo_url = undo_button(admin_client)
        assert set(Trainer.objects.values_list("status", flat=True)) == {Status.RETIRED}

        undone = admin_client.post(undo_url)

        assert messages_of(undone) == ["Put 3 trainers back to their previous status."]
        statuses = dict(Trainer.objects.values_list("first_name", "status"))
        assert statuses == {"Ann": "draft", "Bo": "published", "Cy": "on_leave"}
        # Retired -> on leave takes unpublish, publish, put on leave: each a command.
        assert [e.command for e in events(three[2].pk)][-4:] == [
            "TrainerRetire",
            "TrainerUnpublish",
            "TrainerPublish",
            "TrainerPutOnLeave",
        ]
        admin_client.get(CHANGELIST)  # shows (and so uses up) the message above
        again = admin_client.post(undo_url)
        assert messages_of(again) == [
            "This change can no longer be undone here (it was undone already, or is too old)."
        ]

    def test_undo_leaves_a_trainer_changed_since(
        self, admin_client: Client, three: list[Trainer]
    ) -> None:
        ann, bo, _ = three
        act(admin_client, "retire", ann, bo, apply="1")
        undo_url = undo_button(admin_client)
        dispatch(c.TrainerUnpublish(bo.pk))

        undone = admin_client.post(undo_url)

        assert messages_of(undone) == [
            "Put 1 trainer back to their previous status.",
            "Could not undo the change of Bo Chan: "
            "it was changed since (now at version 4); left as it is.",
        ]
        statuses = dict(Trainer.objects.values_list("first_name", "status"))
        assert statuses == {"Ann": "draft", "Bo": "draft", "Cy": "on_leave"}
