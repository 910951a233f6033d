"""Branches, specialties and classes on their own pages: saved by commands too."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.test import Client

from tests.admin.helpers import events, form_data
from trainers import commands as c
from trainers.handlers import dispatch
from trainers.models import Branch, GymClass, Specialty, Trainer


def test_a_branch_is_created_then_updated_by_commands(
    admin_client: Client, admin_user: User
) -> None:
    data = form_data(admin_client.get("/admin/trainers/branch/add/"))
    data.update(slug="harbour", name="Harbour", city="Porto", timezone="Europe/Lisbon")

    assert admin_client.post("/admin/trainers/branch/add/", data).status_code == 302
    branch = Branch.objects.get(slug="harbour")
    url = f"/admin/trainers/branch/{branch.pk}/change/"
    data = form_data(admin_client.get(url))
    assert "slug" not in data  # the slug names the branch in its commands: set once
    data["city"] = "Matosinhos"
    assert admin_client.post(url, data).status_code == 302

    branch.refresh_from_db()
    assert (branch.city, branch.version) == ("Matosinhos", 2)
    assert [(e.command, e.actor_id) for e in events("harbour", "branch")] == [
        ("BranchCreate", admin_user.pk),
        ("BranchUpdate", admin_user.pk),
    ]


def test_a_refused_branch_shows_the_handlers_message(admin_client: Client) -> None:
    data = form_data(admin_client.get("/admin/trainers/branch/add/"))
    data.update(slug="moon", name="Moon", city="Moon", timezone="Mars/Olympus")

    response = admin_client.post("/admin/trainers/branch/add/", data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["timezone"] == [
        "Unknown time zone: Mars/Olympus."
    ]
    assert not Branch.objects.filter(slug="moon").exists()


def test_a_stale_specialty_form_is_refused(admin_client: Client, yoga: Specialty) -> None:
    url = f"/admin/trainers/specialty/{yoga.pk}/change/"
    data = form_data(admin_client.get(url))
    dispatch(c.SpecialtyUpdate("yoga", description="Theirs"))
    data["description"] = "Mine"

    response = admin_client.post(url, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "system saved this specialty while you were editing it" in page
    assert "Please correct the error" not in page
    yoga.refresh_from_db()
    assert yoga.description == "Theirs"


def test_a_class_is_scheduled_rescheduled_and_cancelled(
    admin_client: Client, admin_user: User, branch: Branch, trainer: Trainer
) -> None:
    data = form_data(admin_client.get("/admin/trainers/gymclass/add/"))
    data.update(
        trainer=str(trainer.pk),
        title="Sunrise yoga",
        branch=str(branch.pk),
        weekday="3",
        start_time="06:30",
        duration_minutes="45",
        capacity="15",
    )
    assert admin_client.post("/admin/trainers/gymclass/add/", data).status_code == 302
    gym_class = GymClass.objects.get()
    url = f"/admin/trainers/gymclass/{gym_class.pk}/"
    data = form_data(admin_client.get(f"{url}change/"))
    data["capacity"] = "20"
    assert admin_client.post(f"{url}change/", data).status_code == 302
    assert admin_client.post(f"{url}delete/", {"post": "yes"}).status_code == 302

    assert not GymClass.objects.exists()
    assert [(e.command, e.version, e.actor_id) for e in events(gym_class.pk, "gym_class")] == [
        ("GymClassSchedule", 1, admin_user.pk),
        ("GymClassReschedule", 2, admin_user.pk),
        ("GymClassCancel", 3, admin_user.pk),
    ]
