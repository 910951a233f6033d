"""CSV import (all rows or none, with a dry run) and export, through the bulk handler."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.admin.helpers import body
from tests.api.conftest import make_user, register, token_client
from trainers import commands as c
from trainers import errors
from trainers.handlers import dispatch
from trainers.models import Branch, Event, Specialty, Trainer

HEADER = (
    "first_name,last_name,position,shift,hired_on,date_of_birth,email,phone,bio,branch,specialties"
)
GOOD = [
    "Ana,Silva,trainer,evening,2021-03-01,1990-02-03,ana@gym.test,+351 1,Lifts.,downtown,yoga",
    'Rui,Costa,head_coach,,2019-05-01,,rui@gym.test,,"Runs, swims.",downtown,',
]


def post(api: APIClient, lines: list[str], query: str = "") -> Any:
    body = "\n".join([HEADER, *lines]) + "\n"
    return api.generic("POST", f"/api/trainers/import/{query}", body, content_type="text/csv")


def test_a_dry_run_reports_and_changes_nothing(
    api: APIClient, branch: Branch, specialty: Specialty
) -> None:
    response = post(api, GOOD, "?dry_run=true")
    assert response.status_code == 200, response.content
    assert response.json() == {"rows": 2, "created": 2, "errors": []}
    assert not Trainer.objects.exists()
    assert not Event.objects.filter(aggregate_type="trainer").exists()


def test_an_import_creates_every_row(api: APIClient, branch: Branch, specialty: Specialty) -> None:
    response = post(api, GOOD)
    assert response.status_code == 201, response.content
    assert response.json() == {"rows": 2, "created": 2, "errors": []}
    ana = Trainer.objects.get(email="ana@gym.test")
    assert (ana.shift, ana.status, list(ana.specialties.values_list("slug", flat=True))) == (
        "evening",
        "draft",
        ["yoga"],
    )
    assert Trainer.objects.get(email="rui@gym.test").bio == "Runs, swims."


BAD = [
    "Ana,Silva,trainer,evening,2021-03-01,1990-02-03,ana@gym.test,,,downtown,yoga",  # 1 fine
    "Bo,Chan,wizard,,2021-03-01,,bo@gym.test,,,downtown,",  # 2 position
    "Cy,Dee,,,yesterday,,cy@gym.test,,,downtown,",  # 3 hired_on
    "Di,Eve,,,2021-03-01,,ana@gym.test,,,downtown,",  # 4 duplicate email
    "Ed,Fox,,,2021-03-01,2031-01-01,ed@gym.test,,,atlantis,",  # 5 branch (first found)
    "Flo,Gee,,,2021-03-01,,flo@gym.test,,,downtown,juggling",  # 6 specialty
    ",Hu,,,2021-03-01,,,,,downtown,",  # 7 first_name and email
]


def test_every_bad_row_is_reported_by_row_and_field(
    api: APIClient, branch: Branch, specialty: Specialty
) -> None:
    response = post(api, BAD, "?dry_run=true")
    assert response.status_code == 200
    report = response.json()
    assert (report["rows"], report["created"]) == (7, 0)
    found = {(e["row"], e["field"]) for e in report["errors"]}
    assert found == {
        (2, "position"),
        (3, "hired_on"),
        (4, "email"),
        (5, "branch"),
        (6, "specialties"),
        (7, "first_name"),
        (7, "email"),
    }
    messages = {(e["row"], e["field"]): e["message"] for e in report["errors"]}
    assert messages[(4, "email")] == errors.ALREADY_EXISTS.format(entity="trainer", field="email")
    assert messages[(3, "hired_on")] == "Enter a date as YYYY-MM-DD."
    assert not Trainer.objects.exists()


def test_a_real_import_with_errors_is_422_and_imports_nothing(
    api: APIClient, branch: Branch, specialty: Specialty
) -> None:
    response = post(api, BAD[:3])
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["rows"], body["created"], body["status"]) == (3, 0, 422)
    assert {(e["row"], e["field"]) for e in body["errors"]} == {(2, "position"), (3, "hired_on")}
    assert not Trainer.objects.exists()


def test_an_existing_email_is_a_row_error(api: APIClient, branch: Branch) -> None:
    register(branch, email="ana@gym.test")
    report = post(api, [GOOD[0].replace(",yoga", ",")], "?dry_run=1").json()
    assert [(e["row"], e["field"]) for e in report["errors"]] == [(1, "email")]


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("first_name,last_name\nA,B\n", "file"),
        (HEADER + ",colour\n", "file"),
        ("\x00\x01", "file"),
        ("", "file"),
    ],
)
def test_an_unreadable_file_is_a_400_problem(
    api: APIClient, branch: Branch, text: str, field: str
) -> None:
    response: Any = api.generic("POST", "/api/trainers/import/", text, content_type="text/csv")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_not_csv_bad_flags_and_no_permission(api: APIClient, branch: Branch) -> None:
    json = api.post("/api/trainers/import/", {"a": 1}, format="json")
    assert json.status_code == 415
    flag = post(api, GOOD, "?dry_run=perhaps")
    assert flag.status_code == 400
    assert [e["field"] for e in flag.json()["errors"]] == ["dry_run"]
    viewer = token_client(make_user("view_trainer", username="viewer"))
    assert post(viewer, GOOD).status_code == 403


def test_an_export_imports_back_unchanged(
    api: APIClient, branch: Branch, specialty: Specialty
) -> None:
    assert post(api, GOOD).status_code == 201
    dispatch(
        c.TrainerUpdateProfile(Trainer.objects.get(email="rui@gym.test").pk, bio="Line\nbreak")
    )
    first = body(api.get("/api/trainers/export.csv")).decode()
    assert first.splitlines()[0] == HEADER
    Trainer.objects.all().delete()

    again = api.generic("POST", "/api/trainers/import/", first, content_type="text/csv")

    assert again.status_code == 201, again.content
    second = body(api.get("/api/trainers/export.csv")).decode()
    rows = sorted(first.splitlines()[1:])
    assert sorted(second.splitlines()[1:]) == rows and len(rows) == 3  # bio has a line break


def test_export_filters_and_refuses_bad_filters(api: APIClient, branch: Branch) -> None:
    ann, bo = register(branch), register(branch)
    dispatch(c.TrainerPublish(ann.pk))
    published = body(api.get("/api/trainers/export.csv?status=published"))
    assert ann.email in published.decode() and bo.email not in published.decode()
    assert api.get("/api/trainers/export.csv?status=nope").status_code == 400
    assert api.get("/api/trainers/export.csv?colour=red").status_code == 400
    anonymous = APIClient()
    assert anonymous.get("/api/trainers/export.csv").status_code in (401, 403)
