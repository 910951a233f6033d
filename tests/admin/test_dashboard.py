"""The site's name and dashboard, one time format, and no 5xx from hostile query values."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta

import pytest
from django.test import Client

from trainers import commands as c
from trainers.handlers import dispatch
from trainers.models import Branch, Event, Trainer


def test_the_dashboard_names_the_site_and_counts_what_needs_attention(
    admin_client: Client, make_trainer: Callable[..., Trainer]
) -> None:
    draft, published = make_trainer("Ann", "Lee"), make_trainer("Bo", "Chan")
    dispatch(c.TrainerPublish(published.pk))
    soon = date.today() + timedelta(days=30)
    dispatch(c.CertificationAdd(draft.pk, "CPR", "Red Cross", date(2020, 1, 1), soon))
    dispatch(c.CertificationAdd(published.pk, "CPR", "Red Cross", date(2020, 1, 1)))

    page = admin_client.get("/admin/").content.decode()

    assert "Trainer Profiles · staff" in page and "Django administration" not in page
    rows = dict(
        (what, count)
        for what, count in __import__("re").findall(
            r'<th scope="row"><a href="[^"]+">([^<]+)</a></th><td[^>]*>(\d+)</td>', page
        )
    )
    assert rows == {
        "Drafts (not public yet)": "1",
        "On leave": "0",
        "Scheduled status changes (pending)": "0",
        "Scheduled changes that failed": "0",
        "Trainers with a certificate expiring within 60 days": "1",
    }
    assert page.index("Trainer profiles") < page.index("Auth Token")
    expiring = admin_client.get("/admin/trainers/trainer/?expiring=soon")
    assert [t.pk for t in expiring.context["cl"].result_list] == [draft.pk]


def test_times_read_hh_mm_everywhere(
    admin_client: Client, branch: Branch, trainer: Trainer
) -> None:
    gym_class = dispatch(c.GymClassSchedule("Flow", branch.slug, trainer.pk, 1, time(18, 0), 60, 9))
    listing = admin_client.get("/admin/trainers/gymclass/").content.decode()
    assert ">18:00<" in listing and "18:00:00" not in listing and "p.m." not in listing
    form = admin_client.get(f"/admin/trainers/gymclass/{gym_class.pk}/change/").content.decode()
    assert 'value="18:00"' in form and "a.m." not in form and "p.m." not in form
    trainers = admin_client.get("/admin/trainers/trainer/").content.decode()
    assert "a.m." not in trainers and "p.m." not in trainers


def test_no_version_column_in_any_list(admin_client: Client, trainer: Trainer) -> None:
    for model in ("trainer", "branch", "specialty", "gymclass"):
        page = admin_client.get(f"/admin/trainers/{model}/").content.decode()
        assert "column-version" not in page, model


def test_view_on_site_only_for_a_public_trainer(admin_client: Client, trainer: Trainer) -> None:
    change = f"/admin/trainers/trainer/{trainer.pk}/change/"
    assert "viewsitelink" not in admin_client.get(change).content.decode()
    dispatch(c.TrainerPublish(trainer.pk))
    assert f'href="/trainers/{trainer.slug}"' in admin_client.get(change).content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/trainers/trainer/?status__exact=%00",
        "/admin/trainers/trainer/?%00=1",
        "/admin/trainers/trainer/?branch__id__exact=99999999999999999999",
        "/admin/trainers/gymclass/99999999999999999999/change/",
        "/admin/trainers/gymclass/?weekday__exact=-99999999999999999999",
        "/admin/trainers/event/?aggregate_type=%00",
        "/admin/trainers/event/?occurred_at__year=99999999999999",
        "/admin/trainers/event/?occurred_at__year=9999&occurred_at__month=12",
        "/admin/trainers/event/?occurred_at__year=9999",
        "/admin/trainers/event/?occurred_at__year=0",
        "/admin/trainers/event/?occurred_at__year=2026&occurred_at__month=13",
        "/admin/trainers/event/?id__gt=99999999999999999999999",
        "/admin/trainers/trainer/?q=%00",
        "/admin/trainers/trainer/?p=99999999999999999999",
        "/admin/auth/user/?is_staff__exact=%00",
        "/admin/auth/user/99999999999999999999/change/",
        "/admin/autocomplete/?term=%00&app_label=trainers&model_name=gymclass&field_name=trainer",
        "/admin/trainers/trainer/%00/change/",
    ],
)
def test_hostile_query_values_are_never_a_5xx(
    admin_client: Client, trainer: Trainer, url: str
) -> None:
    response = admin_client.get(url)
    assert response.status_code < 500, url
    assert response.status_code in (200, 302, 400, 404)


def test_staff_schedule_and_see_failures_in_the_admin(
    admin_client: Client, trainer: Trainer
) -> None:
    from trainers.handlers.schedule import run_due
    from trainers.models import ScheduledChange

    add = "/admin/trainers/scheduledchange/add/"
    response = admin_client.post(
        add,
        {
            "trainer": str(trainer.pk),
            "action": "leave",
            "run_at_0": "2027-01-04",
            "run_at_1": "09:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    change = ScheduledChange.objects.get()
    assert (change.action, change.created_by_name) == ("leave", "admin")
    run_due(change.run_at)
    listing = admin_client.get("/admin/trainers/scheduledchange/?state__exact=failed")
    page = listing.content.decode()
    assert "Failed: A draft trainer cannot be put on leave." in page
    assert '<td class="field-scheduled_by">admin</td>' in page
    dashboard = admin_client.get("/admin/").content.decode()
    assert "Scheduled changes that failed</a></th><td" in dashboard


@pytest.mark.django_db(transaction=True)
def test_a_drafts_public_profile_preview_publishes_nothing(
    admin_client: Client, branch: Branch, trainer: Trainer
) -> None:
    from django.db import connection

    dispatch(c.CertificationAdd(trainer.pk, "CPR", "Red Cross", date(2020, 1, 1)))
    dispatch(c.GymClassSchedule("Flow", branch.slug, trainer.pk, 2, time(18, 0), 60, 9))
    events_before = Event.objects.count()

    page = admin_client.get(f"/admin/trainers/trainer/{trainer.pk}/preview/")

    assert page.status_code == 200
    document = page.context["document"]
    assert (document["first_name"], document["branch"]["slug"]) == ("Ann", branch.slug)
    assert [c["name"] for c in document["certifications"]] == ["CPR"]
    assert [g["start_time"] for g in document["classes"]] == ["18:00"]
    assert "this is what the public would see after publishing" in page.content.decode()
    trainer.refresh_from_db()
    assert trainer.status == "draft" and Event.objects.count() == events_before
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM read.trainer WHERE id = %s", [trainer.pk])
        assert cursor.fetchone() == (0,)
