"""A trainer's event history: visible from its page, read-only in the event log."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time

from django.contrib.auth.models import Permission, User
from django.test import Client

from trainers import commands as c
from trainers.handlers import dispatch
from trainers.models import Event, Trainer

EVENTS = "/admin/trainers/event/"


def test_the_trainer_page_lists_its_events_and_links_to_all_of_them(
    admin_client: Client, trainer: Trainer
) -> None:
    dispatch(c.TrainerPublish(trainer.pk))

    page = admin_client.get(f"/admin/trainers/trainer/{trainer.pk}/change/").content.decode()

    assert "system · v1 Registered the trainer" in page
    assert "system · v2 Published" in page
    assert f"/admin/trainers/trainer/{trainer.pk}/history/" in page


def history(client: Client, trainer: Trainer) -> str:
    response = client.get(f"/admin/trainers/trainer/{trainer.pk}/history/")
    assert response.status_code == 200
    return str(response.content.decode())


def test_the_history_page_is_one_timeline_with_old_and_new_values(
    admin_client: Client, trainer: Trainer
) -> None:
    dispatch(c.TrainerUpdateProfile(trainer.pk, bio="Coaches sprinters.", shift="night"))
    gym_class = dispatch(c.GymClassSchedule("Flow", "downtown", trainer.pk, 1, time(18, 0), 60, 12))
    dispatch(c.GymClassReschedule(gym_class.pk, start_time=time(19, 30)))
    dispatch(c.TrainerPublish(trainer.pk))

    page = history(admin_client, trainer)

    sentences = re.findall(r'<div class="what">([^<]+)', page)
    assert [s.strip() for s in sentences] == [
        "Published",
        "Changed the class Flow (Monday 19:30)",
        "Scheduled the class Flow (Monday 18:00)",
        "Changed the profile",
        "Registered the trainer",
    ]
    assert re.search(
        r"<th>Status</th><td class=\"old\">Draft</td><td class=\"new\">Published", page
    )
    assert re.search(
        r"<th>Start time</th><td class=\"old\">18:00</td><td class=\"new\">19:30", page
    )
    assert re.search(r"<th>Shift</th><td class=\"old\">Morning</td><td class=\"new\">Night", page)
    # Restorable: the trainer's own versions before the current one.
    assert page.count('class="button restore-button"') == 2  # v1 and v2; v3 is the current


def test_restore_this_version_puts_the_profile_back(admin_client: Client, trainer: Trainer) -> None:
    dispatch(c.TrainerUpdateProfile(trainer.pk, bio="Second."))
    dispatch(c.TrainerUpdateProfile(trainer.pk, bio="Third."))
    url = f"/admin/trainers/trainer/{trainer.pk}/restore/"

    stale = admin_client.post(url, {"version": "2", "loaded_version": "2"})
    assert Trainer.objects.get().bio == "Third."
    assert stale["Location"].endswith("/history/")

    response = admin_client.post(url, {"version": "2", "loaded_version": "3"})

    assert response["Location"] == f"/admin/trainers/trainer/{trainer.pk}/change/"
    restored = Trainer.objects.get()
    assert (restored.bio, restored.version) == ("Second.", 4)
    assert Event.objects.latest("id").command == "TrainerRestore"


def test_hostile_history_parameters_are_not_errors(admin_client: Client, trainer: Trainer) -> None:
    for query in ("before=%00", "before=99999999999999999999999", "before=-1", "before=%C2%B2"):
        response = admin_client.get(f"/admin/trainers/trainer/{trainer.pk}/history/?{query}")
        assert response.status_code in (200, 400), query
    url = f"/admin/trainers/trainer/{trainer.pk}/restore/"
    for data in (
        {"version": "\x00"},
        {"version": "9" * 30, "loaded_version": "1"},
        {"version": "\u00b2", "loaded_version": "1"},
        {},
    ):
        assert admin_client.post(url, data).status_code == 302
    assert admin_client.get(url).status_code == 403


def test_the_event_log_filters_by_aggregate(
    admin_client: Client, make_trainer: Callable[..., Trainer], trainer: Trainer
) -> None:
    other = make_trainer("Bo", "Chan")

    response = admin_client.get(
        EVENTS, {"aggregate_type": "trainer", "aggregate_id": str(trainer.pk)}
    )

    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert [e.aggregate_id for e in shown] == [str(trainer.pk)]
    assert str(other.pk) not in response.content.decode()


def test_an_event_is_read_only(admin_client: Client, trainer: Trainer) -> None:
    event = Event.objects.get(aggregate_id=str(trainer.pk))
    url = f"{EVENTS}{event.pk}/change/"

    page = admin_client.get(url)

    assert page.status_code == 200
    assert "TrainerRegister" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(url, {"command": "Forged"}).status_code == 403
    assert admin_client.get(f"{EVENTS}add/").status_code == 403
    assert admin_client.post(f"{EVENTS}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    changelist = admin_client.get(EVENTS).content.decode()
    assert "delete_selected" not in changelist
    event.refresh_from_db()
    assert event.command == "TrainerRegister"


def test_the_event_page_hides_private_values_from_view_only_staff(
    admin_client: Client, trainer: Trainer, django_user_model: type[User]
) -> None:
    dispatch(c.TrainerUpdateProfile(trainer.pk, phone="+1 555 0100"))
    event = Event.objects.latest("id")
    url = f"{EVENTS}{event.pk}/change/"
    assert "+1 555 0100" in admin_client.get(url).content.decode()
    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.set(Permission.objects.filter(codename="view_event"))
    client = Client()
    client.force_login(viewer)
    page = client.get(url).content.decode()
    assert "+1 555 0100" not in page and "(hidden)" in page
