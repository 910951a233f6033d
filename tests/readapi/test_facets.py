"""``/query/branches``, ``/query/specialties`` and ``/query/timetable``."""

from __future__ import annotations

from fastapi.testclient import TestClient

from readapi.schemas import BranchList, SpecialtyList, Timetable
from tests.readapi.conftest import Gym
from trainers.models import Trainer


def test_branches_with_public_trainer_counts(app_client: TestClient, gym: Gym) -> None:
    body = app_client.get("/query/branches").json()
    BranchList.model_validate(body)
    assert body["items"] == [
        {
            "slug": "downtown",
            "name": "Downtown",
            "city": "Lisbon",
            "timezone": "Europe/Lisbon",
            "trainer_count": 2,
        },
        {
            "slug": "riverside",
            "name": "Riverside",
            "city": "Porto",
            "timezone": "Europe/Lisbon",
            "trainer_count": 1,
        },
    ]


def test_specialties_with_public_trainer_counts(app_client: TestClient, gym: Gym) -> None:
    body = app_client.get("/query/specialties").json()
    SpecialtyList.model_validate(body)
    assert body["items"] == [
        {"slug": "strength", "name": "Strength", "trainer_count": 2},
        {"slug": "yoga", "name": "Yoga", "trainer_count": 2},
    ]


def test_counts_follow_a_status_change(app_client: TestClient, gym: Gym) -> None:
    Trainer.objects.filter(pk=gym.bruno.pk).update(status="draft")
    counts = {
        i["slug"]: i["trainer_count"] for i in app_client.get("/query/specialties").json()["items"]
    }
    assert counts == {"strength": 1, "yoga": 1}


def test_timetable_of_public_trainers_by_day_and_time(app_client: TestClient, gym: Gym) -> None:
    body = app_client.get("/query/timetable").json()
    Timetable.model_validate(body)
    assert [(s["title"], s["weekday"], s["start_time"]) for s in body["items"]] == [
        ("Morning flow", 1, "07:00"),
        ("Deadlift clinic", 3, "18:00"),
        ("Sunset yoga", 3, "19:00"),
    ]
    slot = body["items"][0]
    assert slot["trainer"] == {
        "id": str(gym.ana.pk),
        "slug": gym.ana.slug,
        "first_name": "Ana",
        "last_name": "Silva",
        "on_leave": False,
    }
    assert slot["branch"] == {"slug": "downtown", "name": "Downtown"}
    assert (slot["duration_minutes"], slot["capacity"]) == (60, 20)


def test_timetable_filters(app_client: TestClient, gym: Gym) -> None:
    def titles(**params: str | int) -> list[str]:
        response = app_client.get("/query/timetable", params=params)
        assert response.status_code == 200, response.text
        return [s["title"] for s in response.json()["items"]]

    assert titles(branch="downtown") == ["Morning flow", "Deadlift clinic"]
    assert titles(weekday=3) == ["Deadlift clinic", "Sunset yoga"]
    assert titles(branch="riverside", weekday=3) == ["Sunset yoga"]
    assert titles(branch="riverside", weekday=1) == []
