"""A branch manager in the admin and the API: only their branches' trainers and classes;
the permission picker without internal models."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from rest_framework.authtoken.models import Token

from tests.admin.helpers import body, form_data, messages_of
from trainers import commands as c
from trainers.handlers import dispatch
from trainers.models import Branch, BranchGrant, Trainer

CHANGELIST = "/admin/trainers/trainer/"


@pytest.fixture
def setup(make_trainer: Callable[..., Trainer], branch: Branch) -> tuple[User, Trainer, Trainer]:
    north = dispatch(c.BranchCreate(slug="north", name="North", city="Oslo"))
    mine = make_trainer("Ann", "Lee")
    theirs = dispatch(c.TrainerRegister("Nils", "Berg", "nils@gym.test", date(2020, 1, 1), "north"))
    user = User.objects.create_user("downtown-boss", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(
            codename__in=["view_trainer", "change_trainer", "add_trainer", "view_gymclass"]
        )
    )
    BranchGrant.objects.create(user=user, branch=branch)
    assert north.pk != branch.pk
    return user, mine, theirs


def test_the_admin_lists_and_opens_only_their_branch(
    setup: tuple[User, Trainer, Trainer], branch: Branch
) -> None:
    user, mine, theirs = setup
    client = Client()
    client.force_login(user)
    listing = client.get(CHANGELIST)
    assert [t.pk for t in listing.context["cl"].result_list] == [mine.pk]
    assert client.get(f"{CHANGELIST}{theirs.pk}/change/").status_code == 302  # not found
    change = client.get(f"{CHANGELIST}{mine.pk}/change/")
    branches = change.context["adminform"].form.fields["branch"].queryset
    assert list(branches) == [branch]
    moved = form_data(change)
    moved["branch"] = str(theirs.branch_id)
    assert client.post(f"{CHANGELIST}{mine.pk}/change/", moved).status_code == 200
    assert Trainer.objects.get(pk=mine.pk).branch_id == branch.pk
    publish = client.post(
        f"{CHANGELIST}{theirs.pk}/status/", {"_status": "TrainerPublish", "loaded_version": "1"}
    )
    assert publish.status_code == 404
    dispatch(c.GymClassSchedule("Flow", "north", theirs.pk, 1, time(9, 0), 60, 9))
    assert client.get("/admin/trainers/gymclass/").context["cl"].result_count == 0
    drafts = client.get("/admin/").context["attention"][0]
    assert drafts[:2] == ("Drafts (not public yet)", 1)  # Ann only, not Nils


def test_the_api_hides_and_refuses_other_branches(setup: tuple[User, Trainer, Trainer]) -> None:
    user, mine, theirs = setup
    token = Token.objects.create(user=user)
    api = Client(headers={"Authorization": f"Token {token.key}"})
    assert api.get(f"/api/trainers/{theirs.pk}/").status_code == 404
    assert api.get(f"/api/trainers/{mine.pk}/").status_code == 200
    patch = api.patch(f"/api/trainers/{theirs.pk}/", {"bio": "x"}, content_type="application/json")
    assert patch.status_code == 403
    assert patch["Content-Type"] == "application/problem+json"
    assert patch.json()["errors"] == [
        {"field": "branch", "message": "You may change only the trainers and classes of Downtown."}
    ]
    exported = body(api.get("/api/trainers/export.csv")).decode()
    assert mine.email in exported and theirs.email not in exported
    schedule = f"/api/trainers/{theirs.pk}/schedule/"
    at = {"action": "publish", "at": "2027-01-04T09:00:00+01:00"}
    assert api.post(schedule, at, content_type="application/json").status_code == 403
    assert api.get(schedule).status_code == 404
    mine_schedule = f"/api/trainers/{mine.pk}/schedule/"
    assert api.post(mine_schedule, at, content_type="application/json").status_code == 201


def test_a_bulk_action_reports_other_branches_as_refused(
    setup: tuple[User, Trainer, Trainer],
) -> None:
    user, mine, theirs = setup
    client = Client()
    client.force_login(user)
    # "Select all" covers only what the manager sees.
    response = client.post(
        CHANGELIST,
        {
            "action": "publish",
            "select_across": "1",
            "index": "0",
            "apply": "1",
            "_selected_action": [str(mine.pk)],
        },
    )
    assert messages_of(response)[0].startswith("Published 1 trainer.")
    assert Trainer.objects.get(pk=theirs.pk).status == "draft"


def test_the_permission_picker_hides_internal_models(
    admin_client: Client, admin_user: User
) -> None:
    page = admin_client.get(f"/admin/auth/user/{admin_user.pk}/change/").content.decode()
    assert "idempotency record" not in page.lower()
    assert "log entry" not in page.lower() and "Can add event" not in page
    assert "Can change trainer" in page and "Can rebuild the read model" in page
    assert "branches this user is limited to" in page.lower()


def test_an_import_into_another_branch_is_refused_whole(
    setup: tuple[User, Trainer, Trainer],
) -> None:
    user, _, _ = setup
    client = Client()
    client.force_login(user)
    text = "first_name,last_name,hired_on,email,branch\nOla,Nord,2021-01-01,ola@gym.test,north\n"
    page = client.post("/admin/trainers/trainer/import/", {"text": text, "preview": "1"})
    assert page.status_code == 200
    assert "You may change only the trainers and classes of Downtown." in page.content.decode()
    token = Token.objects.create(user=user)
    api = Client(headers={"Authorization": f"Token {token.key}"})
    response = api.post("/api/trainers/import/", text, content_type="text/csv")
    assert response.status_code == 403
    assert not Trainer.objects.filter(email="ola@gym.test").exists()
