"""``/query/timetable`` in keyset pages: ``limit``, a signed ``cursor``, ``next_cursor``."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from readapi import cursor
from readapi.schemas import Timetable
from tests.factories import make_class
from tests.readapi.conftest import Gym
from trainers.models import GymClass

# The three classes of the gym fixture, by weekday and start time.
GYM_CLASSES = ["Morning flow", "Deadlift clinic", "Sunset yoga"]


def page(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get("/query/timetable", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    Timetable.model_validate(body)
    return body


def every_page(client: TestClient, **params: Any) -> list[list[str]]:
    pages, cursor_ = [], None
    while True:
        body = page(client, **params, **({"cursor": cursor_} if cursor_ else {}))
        pages.append([slot["title"] for slot in body["items"]])
        cursor_ = body["next_cursor"]
        if cursor_ is None:
            return pages


def assert_refused(client: TestClient, field: str, query: str) -> None:
    response = client.get(f"/query/timetable?{query}")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_pages_walk_the_week_in_order_with_ties_broken_by_id(
    app_client: TestClient, gym: Gym
) -> None:
    same_slot = [
        make_class(gym.bruno, title=f"Tie {i}", weekday=1, start_time=time(7)) for i in "ab"
    ]
    expected = ["Morning flow", "Tie a", "Tie b", "Deadlift clinic", "Sunset yoga"]
    assert same_slot[0].pk < same_slot[1].pk

    assert page(app_client) == {"items": page(app_client)["items"], "next_cursor": None}
    assert every_page(app_client) == [expected]
    assert every_page(app_client, limit=2) == [expected[:2], expected[2:4], expected[4:]]
    assert every_page(app_client, limit=1) == [[title] for title in expected]
    assert every_page(app_client, limit=1, weekday=1) == [[t] for t in expected[:3]]
    assert every_page(app_client, limit=1, branch="downtown") == [
        ["Morning flow"],
        ["Tie a"],
        ["Tie b"],
        ["Deadlift clinic"],
    ]


def test_a_page_of_exactly_limit_classes_says_whether_more_follow(
    app_client: TestClient, gym: Gym
) -> None:
    first = page(app_client, limit=3)
    assert [s["title"] for s in first["items"]] == GYM_CLASSES
    assert first["next_cursor"] is None
    assert page(app_client, limit=2)["next_cursor"] is not None


def test_the_limit_changes_between_pages_and_the_default_is_200(
    app_client: TestClient, gym: Gym
) -> None:
    GymClass.objects.bulk_create(
        GymClass(
            title=f"Bulk {i:03d}",
            branch=gym.downtown,
            trainer=gym.bruno,
            weekday=7,
            start_time=time(i // 60, i % 60),
            duration_minutes=30,
            capacity=10,
        )
        for i in range(200)
    )
    first = page(app_client)
    assert len(first["items"]) == 200
    rest = page(app_client, cursor=first["next_cursor"], limit=1000)
    assert len(rest["items"]) == 3
    assert rest["next_cursor"] is None
    titles = [s["title"] for s in first["items"] + rest["items"]]
    assert titles[:3] == GYM_CLASSES
    assert titles[3:] == [f"Bulk {i:03d}" for i in range(200)]


def test_every_page_has_its_own_etag_and_revalidates(app_client: TestClient, gym: Gym) -> None:
    first = app_client.get("/query/timetable?limit=1")
    second = app_client.get(f"/query/timetable?limit=1&cursor={first.json()['next_cursor']}")
    whole = app_client.get("/query/timetable")
    etags = {r.headers["etag"] for r in (first, second, whole)}
    assert len(etags) == 3
    again = app_client.get(
        f"/query/timetable?limit=1&cursor={first.json()['next_cursor']}",
        headers={"If-None-Match": second.headers["etag"]},
    )
    assert again.status_code == 304
    assert second.headers["surrogate-key"] == "facets timetable"


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "abc", "1.5"])
def test_a_limit_out_of_range_is_refused(app_client: TestClient, gym: Gym, limit: str) -> None:
    assert_refused(app_client, "limit", f"limit={limit}")


def signed(data: dict[str, object], *filters: object) -> str:
    return cursor.sign(data, cursor.fingerprint("timetable", *filters))


@pytest.mark.parametrize(
    "data",
    [
        {"w": 9, "s": "07:00:00", "i": 1},
        {"w": 0, "s": "07:00:00", "i": 1},
        {"w": True, "s": "07:00:00", "i": 1},
        {"w": 1, "s": "25:00:00", "i": 1},
        {"w": 1, "s": "7", "i": 1},
        {"w": 1, "s": "07:00:00\x00", "i": 1},
        {"w": 1, "s": 700, "i": 1},
        {"w": 1, "s": "07:00:00", "i": 2**63},
        {"w": 1, "s": "07:00:00", "i": -1},
        {"w": 1, "s": "07:00:00", "i": "1"},
        {"w": 1, "s": "07:00:00"},
        {"o": "name", "k": "x", "i": "00000000-0000-0000-0000-000000000000"},
    ],
)
def test_a_signed_cursor_out_of_range_is_refused(
    app_client: TestClient, gym: Gym, data: dict[str, object]
) -> None:
    assert_refused(app_client, "cursor", f"cursor={signed(data, None, None)}")


def test_forged_garbled_and_foreign_cursors_are_refused(app_client: TestClient, gym: Gym) -> None:
    real = page(app_client, limit=1)["next_cursor"]
    assert_refused(app_client, "cursor", f"cursor={real[:-2]}")
    assert_refused(app_client, "cursor", f"cursor={real}&weekday=3")  # another query's
    assert_refused(app_client, "cursor", "cursor=not-a-cursor")
    assert_refused(app_client, "cursor", "cursor=%F0%9F%98%80")
    assert_refused(app_client, "cursor", "cursor=" + "A" * 401)
    trainers = app_client.get("/query/trainers?limit=1").json()["next_cursor"]
    assert_refused(app_client, "cursor", f"cursor={trainers}")
    # A correctly signed cursor in range pages, and an empty one is the first page.
    after = page(app_client, cursor=signed({"w": 3, "s": "18:00:00", "i": 2**62}, None, None))
    assert [s["title"] for s in after["items"]] == ["Sunset yoga"]
    assert page(app_client, cursor="")["items"] == page(app_client)["items"]
