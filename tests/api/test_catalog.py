"""Branches and specialties."""

from __future__ import annotations

from django.contrib.auth.models import User
from rest_framework.test import APIClient

from trainers.handlers.catalog import UNKNOWN_TIMEZONE
from trainers.models import Branch, Event, Specialty


def test_branch_create_read_update(api: APIClient, editor: User, db: None) -> None:
    body = {"slug": "riverside", "name": "Riverside", "city": "Porto"}
    response = api.post("/api/branches/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json() == {**body, "timezone": "UTC", "version": 1}
    assert response["Location"] == "/api/branches/riverside/"
    assert response["ETag"] == '"1"'

    assert api.get("/api/branches/riverside/")["ETag"] == '"1"'
    response = api.patch(
        "/api/branches/riverside/",
        {"timezone": "Europe/Lisbon"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert Branch.objects.get().timezone == "Europe/Lisbon"
    actors = set(Event.objects.filter(aggregate_type="branch").values_list("actor", flat=True))
    assert actors == {editor.pk}


def test_branch_unknown_timezone_and_duplicate_slug(api: APIClient, branch: Branch) -> None:
    response = api.patch("/api/branches/downtown/", {"timezone": "Mars/Base"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "timezone", "message": UNKNOWN_TIMEZONE.format(tz="Mars/Base")}
    ]
    body = {"slug": "downtown", "name": "Again", "city": "Faro"}
    assert api.post("/api/branches/", body, format="json").status_code == 409


def test_branch_stale_if_match_is_412(api: APIClient, branch: Branch) -> None:
    response = api.patch(
        "/api/branches/downtown/", {"name": "X"}, format="json", HTTP_IF_MATCH='"5"'
    )
    assert response.status_code == 412
    assert Branch.objects.get().name == "Downtown"


def test_specialty_create_read_update(api: APIClient, db: None) -> None:
    body = {"slug": "hiit", "name": "HIIT", "description": "Intervals."}
    response = api.post("/api/specialties/", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json() == {**body, "version": 1}
    assert response["Location"] == "/api/specialties/hiit/"
    response = api.patch(
        "/api/specialties/hiit/", {"name": "High-intensity"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    assert Specialty.objects.get().name == "High-intensity"
    assert api.get("/api/specialties/hiit/").json()["version"] == 2


def test_specialty_duplicate_name_is_409(api: APIClient, specialty: Specialty) -> None:
    response = api.post("/api/specialties/", {"slug": "yoga-2", "name": "Yoga"}, format="json")
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "name"


def test_unknown_slugs_are_404(api: APIClient, db: None) -> None:
    assert api.get("/api/branches/nope/").status_code == 404
    assert api.patch("/api/specialties/nope/", {"name": "x"}, format="json").status_code == 404
