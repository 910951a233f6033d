"""Every error is problem+json with per-field errors; no input gives a 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from tests.api.conftest import trainer_payload
from trainers.models import Branch, Event, Trainer

PROBLEM = "application/problem+json"

# (what, overrides of a valid register body, the field the error names)
HOSTILE_FIELDS: list[tuple[str, dict[str, Any], str]] = [
    ("wrong type: number for a name", {"first_name": {"a": 1}}, "first_name"),
    ("wrong type: list for a date", {"hired_on": ["2020-01-01"]}, "hired_on"),
    ("wrong type: string for a list", {"specialties": "yoga"}, "specialties"),
    ("null for a required field", {"email": None}, "email"),
    ("unknown enum value", {"position": "wizard"}, "position"),
    ("enum in the wrong case", {"shift": "MORNING"}, "shift"),
    ("impossible date", {"hired_on": "2020-02-30"}, "hired_on"),
    ("date in another format", {"hired_on": "15/01/2020"}, "hired_on"),
    ("datetime for a date", {"hired_on": "2020-01-15T10:00:00"}, "hired_on"),
    ("over-long string", {"first_name": "x" * 81}, "first_name"),
    ("over-long bio", {"bio": "x" * 4001}, "bio"),
    ("NUL byte in a string", {"last_name": "Bad\x00Name"}, "last_name"),
    ("lone surrogate in a string", {"bio": "\ud800"}, "bio"),
    ("blank required string", {"first_name": "   "}, "first_name"),
    ("invalid email", {"email": "not-an-email"}, "email"),
    ("javascript URL", {"photo_url": "javascript:alert(1)"}, "photo_url"),
    ("slug with spaces", {"branch": "down town"}, "branch"),
    ("bad slug in the list", {"specialties": ["ok", "no/slash"]}, "specialties[1]"),
    ("too many specialties", {"specialties": [f"s{i}" for i in range(51)]}, "specialties"),
    ("unknown field", {"status": "published"}, "status"),
    ("unknown field: version", {"version": 9}, "version"),
]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [(o, f) for _, o, f in HOSTILE_FIELDS],
    ids=[w for w, _, _ in HOSTILE_FIELDS],
)
def test_hostile_fields_are_400_with_the_field_named(
    api: APIClient, branch: Branch, overrides: dict[str, Any], field: str
) -> None:
    # json.dumps escapes what the test client could not encode (a lone surrogate).
    raw = json.dumps(trainer_payload(**overrides))
    response: Any = api.generic("POST", "/api/trainers/", raw, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert (body["type"], body["title"], body["status"]) == ("about:blank", "Bad Request", 400)
    assert field in {e["field"] for e in body["errors"]}
    assert not Trainer.objects.exists()


# (what, raw body, content type, expected status)
HOSTILE_BODIES: list[tuple[str, bytes, str, int]] = [
    ("malformed JSON", b'{"first_name": ', "application/json", 400),
    ("trailing garbage", b"{} x", "application/json", 400),
    ("NaN", b'{"capacity": NaN}', "application/json", 400),
    ("not UTF-8", b'{"first_name": "\xff\xfe"}', "application/json", 400),
    ("deep nesting", b"[" * 100_000 + b"]" * 100_000, "application/json", 400),
    ("a list, not an object", b"[1, 2]", "application/json", 400),
    ("a string, not an object", b'"hello"', "application/json", 400),
    ("JSON null", b"null", "application/json", 400),
    ("empty body", b"", "application/json", 400),
    ("form encoded", b"first_name=x", "application/x-www-form-urlencoded", 415),
    ("XML", b"<trainer/>", "application/xml", 415),
    ("huge body", b'{"bio": "' + b"x" * (2 * 1024 * 1024) + b'"}', "application/json", 413),
]


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [(b, c, s) for _, b, c, s in HOSTILE_BODIES],
    ids=[w for w, _, _, _ in HOSTILE_BODIES],
)
def test_hostile_bodies_are_json_4xx(
    api: APIClient, branch: Branch, body: bytes, content_type: str, status: int
) -> None:
    response: Any = api.generic("POST", "/api/trainers/", body, content_type=content_type)  # type: ignore[arg-type]
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == PROBLEM
    assert response.json()["status"] == status
    assert not Trainer.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"weekday": 8}, "weekday"),
        ({"weekday": "monday"}, "weekday"),
        ({"start_time": "25:00"}, "start_time"),
        ({"duration_minutes": 0}, "duration_minutes"),
        ({"duration_minutes": 601}, "duration_minutes"),
        ({"capacity": 10**30}, "capacity"),
        ({"capacity": -1}, "capacity"),
        ({"capacity": True}, "capacity"),
        ({"trainer": "not-a-uuid"}, "trainer"),
    ],
)
def test_hostile_class_fields(
    api: APIClient, branch: Branch, overrides: dict[str, Any], field: str
) -> None:
    body = {
        "title": "Yoga",
        "branch": "downtown",
        "trainer": "00000000-0000-0000-0000-000000000000",
        "weekday": 1,
        "start_time": "07:00",
        "duration_minutes": 60,
        "capacity": 10,
    }
    response = api.post("/api/classes/", body | overrides, format="json")
    assert response.status_code == 400
    assert field in {e["field"] for e in response.json()["errors"]}


@pytest.mark.parametrize(
    "path",
    [
        "/api/trainers/not-a-uuid/",
        "/api/trainers/not-a-uuid/publish/",
        "/api/trainers/00000000-0000-0000-0000-000000000000/certifications/abc/",
        "/api/classes/-1/",
        "/api/branches/bad%00slug/",
        "/api/nothing-here/",
        "/api/trainers",  # no trailing slash: no redirect that would drop a POST body
    ],
)
def test_unknown_paths_are_json_404(api: APIClient, db: None, path: str) -> None:
    for method in ("get", "post", "patch", "delete"):
        response = getattr(api, method)(path)
        # A POST to an item URL that exists in form only is refused as a method first.
        assert response.status_code in ((404, 405) if method == "post" else (404,)), method
        assert response["Content-Type"] == PROBLEM


def test_unknown_trainer_on_every_action_is_404(api: APIClient, db: None) -> None:
    base = "/api/trainers/00000000-0000-0000-0000-000000000000"
    for action in ("publish", "unpublish", "leave", "retire"):
        assert api.post(f"{base}/{action}/").status_code == 404
    assert api.patch(f"{base}/", {"bio": "x"}, format="json").status_code == 404
    assert api.put(f"{base}/specialties/", {"specialties": []}, format="json").status_code == 404
    assert api.delete(f"{base}/").status_code == 404
    assert not Event.objects.exists()


def test_method_not_allowed_is_405_with_allow(api: APIClient, db: None) -> None:
    response = api.put("/api/trainers/", {}, format="json")
    assert response.status_code == 405
    assert response["Content-Type"] == PROBLEM
    assert "POST" in response["Allow"]


def test_not_acceptable_still_answers_json(api: APIClient, db: None) -> None:
    response = api.get("/api/branches/x/", HTTP_ACCEPT="text/html")
    assert response.status_code == 406
    assert json.loads(response.content)["status"] == 406


def test_djangos_own_error_pages_are_json_under_api() -> None:
    """Errors raised outside DRF (middleware, DEBUG off) keep the problem shape under /api/."""
    from trainers.api.errors import bad_request, page_not_found, server_error

    api_request = RequestFactory().get("/api/anything")
    for response, status in [
        (page_not_found(api_request, Exception()), 404),
        (server_error(api_request), 500),
        (bad_request(api_request, Exception()), 400),
    ]:
        assert response.status_code == status
        assert response["Content-Type"] == PROBLEM
        assert json.loads(response.content)["status"] == status
    admin_request = RequestFactory().get("/admin/anything")
    assert "text/html" in page_not_found(admin_request, Exception())["Content-Type"]


def test_problem_shape_of_a_field_error(api: APIClient, branch: Branch) -> None:
    response = api.post(
        "/api/trainers/", trainer_payload(first_name="", hired_on="x"), format="json"
    )
    assert response.json() == {
        "type": "about:blank",
        "title": "Bad Request",
        "status": 400,
        "detail": "The request has invalid fields.",
        "code": "invalid",
        "errors": [
            {"field": "first_name", "message": "This field may not be blank."},
            {
                "field": "hired_on",
                "message": "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
            },
        ],
    }
