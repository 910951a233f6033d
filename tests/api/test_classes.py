"""The weekly timetable: schedule, read, reschedule, cancel."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from trainers import errors
from trainers.models import Event, GymClass, Trainer


def class_body(teacher: Trainer, **overrides: Any) -> dict[str, Any]:
    body = {
        "title": "Morning yoga",
        "branch": "downtown",
        "trainer": str(teacher.pk),
        "weekday": 1,
        "start_time": "07:00:00",
        "duration_minutes": 60,
        "capacity": 12,
    }
    return body | overrides


def test_schedule_read_reschedule_cancel(api: APIClient, editor: User, trainer: Trainer) -> None:
    response = api.post("/api/classes/", class_body(trainer), format="json")
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created == {**class_body(trainer), "id": created["id"], "version": 1}
    url = f"/api/classes/{created['id']}/"
    assert response["Location"] == url
    assert response["ETag"] == '"1"'

    assert api.get(url).json() == created

    response = api.patch(url, {"capacity": 20, "weekday": 3}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.json()
    assert (response.json()["capacity"], response.json()["weekday"]) == (20, 3)
    assert response["ETag"] == '"2"'

    assert api.delete(url, HTTP_IF_MATCH='"2"').status_code == 204
    assert not GymClass.objects.exists()
    commands = list(
        Event.objects.filter(aggregate_type="gym_class", actor=editor).values_list(
            "command", flat=True
        )
    )
    assert commands == ["GymClassSchedule", "GymClassReschedule", "GymClassCancel"]


def test_overlapping_class_is_409(api: APIClient, trainer: Trainer) -> None:
    assert api.post("/api/classes/", class_body(trainer), format="json").status_code == 201
    response = api.post("/api/classes/", class_body(trainer, start_time="07:30"), format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "start_time"


@pytest.mark.parametrize(
    ("edits", "field", "message"),
    [
        ({"duration_minutes": 0}, "duration_minutes", errors.CLASS_DURATION),
        ({"duration_minutes": 601}, "duration_minutes", errors.CLASS_DURATION),
        ({"capacity": 0}, "capacity", errors.CLASS_CAPACITY),
    ],
)
def test_each_class_rule_is_refused_beside_its_field(
    api: APIClient, trainer: Trainer, edits: dict[str, int], field: str, message: str
) -> None:
    response = api.post("/api/classes/", class_body(trainer, **edits), format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": field, "message": message}]
    assert not GymClass.objects.exists()
    created = api.post("/api/classes/", class_body(trainer), format="json").json()
    response = api.patch(f"/api/classes/{created['id']}/", edits, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": field, "message": message}]


def test_an_overlap_across_the_weeks_end_is_409(api: APIClient, trainer: Trainer) -> None:
    late = class_body(trainer, title="Late", weekday=7, start_time="23:30", duration_minutes=120)
    assert api.post("/api/classes/", late, format="json").status_code == 201
    early = class_body(trainer, title="Early", weekday=1, start_time="00:30")
    response = api.post("/api/classes/", early, format="json")
    assert response.status_code == 409
    (error,) = response.json()["errors"]
    assert error["field"] == "start_time" and "Late" in error["message"]
    assert GymClass.objects.count() == 1


def test_unknown_trainer_is_a_field_error(api: APIClient, trainer: Trainer) -> None:
    body = class_body(trainer, trainer="00000000-0000-0000-0000-000000000000")
    response = api.post("/api/classes/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "trainer"


def test_stale_reschedule_is_412(api: APIClient, trainer: Trainer) -> None:
    created = api.post("/api/classes/", class_body(trainer), format="json").json()
    url = f"/api/classes/{created['id']}/"
    assert api.patch(url, {"capacity": 5}, format="json", HTTP_IF_MATCH='"9"').status_code == 412
    assert api.delete(url, HTTP_IF_MATCH='"9"').status_code == 412
    assert GymClass.objects.get().capacity == 12


def test_unknown_class_is_404(api: APIClient, db: None) -> None:
    assert api.get("/api/classes/999999/").status_code == 404
    assert api.patch("/api/classes/999999/", {"capacity": 1}, format="json").status_code == 404
    huge = "/api/classes/99999999999999999999999/"  # beyond bigint: still a plain 404
    assert api.get(huge).status_code == 404
    assert api.patch(huge, {"capacity": 1}, format="json").status_code == 404
    assert api.delete(huge).status_code == 404
