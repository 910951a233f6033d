"""Every invalid input gets a 4xx in problem-details shape; none gives a 500."""

from __future__ import annotations

import base64

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.readapi.conftest import Gym


def forged(payload: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(payload)).rstrip(b"=").decode()


BAD = [
    ("/query/trainers?limit=0", "limit"),
    ("/query/trainers?limit=101", "limit"),
    ("/query/trainers?limit=ten", "limit"),
    ("/query/trainers?cursor=%%%", "cursor"),
    ("/query/trainers?cursor=bm90LWpzb24", "cursor"),
    ("/query/trainers?cursor=" + forged([1, 2]), "cursor"),
    ("/query/trainers?cursor=" + forged({"o": "name", "k": 1, "i": "x", "f": "0"}), "cursor"),
    ("/query/trainers?cursor=" + "A" * 401, "cursor"),
    ("/query/trainers?branch=atlantis", "branch"),
    ("/query/trainers?branch=bad%20slug", "branch"),
    ("/query/trainers?branch=%00", "branch"),
    ("/query/trainers?specialty=yoga&specialty=knitting", "specialty"),
    ("/query/trainers?" + "&".join(f"specialty=s{i}" for i in range(11)), "specialty"),
    ("/query/trainers?shift=dawn", "shift"),
    ("/query/trainers?position=ceo", "position"),
    ("/query/trainers?weekday=8", "weekday"),
    ("/query/trainers?weekday=0", "weekday"),
    ("/query/trainers?q=" + "a" * 101, "q"),
    ("/query/trainers?q=", "q"),
    ("/query/trainers?q=%00", "q"),
    ("/query/trainers?q=ana%00", "q"),
    ("/query/trainers?q=%21%21%21", "q"),
    ("/query/trainers?q=" + "+".join(["w"] * 9), "q"),
    ("/query/trainers?q=%FF%FE", "q"),
    ("/query/timetable?branch=atlantis", "branch"),
    ("/query/timetable?weekday=monday", "weekday"),
]


@pytest.mark.parametrize(("url", "field"), BAD)
def test_invalid_parameters_are_422_problems(
    app_client: TestClient, gym: Gym, url: str, field: str
) -> None:
    response = app_client.get(url)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 422 and body["title"]
    assert field in {error["field"].split(".")[0] for error in body["errors"]}


def test_a_cursor_is_bound_to_its_query(app_client: TestClient, gym: Gym) -> None:
    cursor = app_client.get("/query/trainers?limit=1").json()["next_cursor"]
    assert app_client.get(f"/query/trainers?limit=1&cursor={cursor}").status_code == 200
    for other in ("shift=evening", "q=ana", "branch=downtown"):
        response = app_client.get(f"/query/trainers?limit=1&cursor={cursor}&{other}")
        assert response.status_code == 422, other


def test_search_cursor_is_not_a_name_cursor(app_client: TestClient, gym: Gym) -> None:
    cursor = app_client.get("/query/trainers?limit=1&q=yoga").json()["next_cursor"]
    assert cursor
    assert app_client.get(f"/query/trainers?limit=1&cursor={cursor}").status_code == 422
    assert app_client.get(f"/query/trainers?limit=1&q=yoga&cursor={cursor}").status_code == 200


def test_repeated_and_unknown_parameters_do_not_break_anything(
    app_client: TestClient, gym: Gym
) -> None:
    assert app_client.get("/query/trainers?color=blue&limit=5&limit=6").status_code == 200
    assert app_client.get("/query/trainers/%E2%9C%93").status_code == 404
