"""A trainer's event history: visible from its page, read-only in the event log."""

from __future__ import annotations

from collections.abc import Callable

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

    assert "v1 TrainerRegister by system" in page
    assert "v2 TrainerPublish by system" in page
    assert f"{EVENTS}?aggregate_type=trainer&amp;aggregate_id={trainer.pk}" in page


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
