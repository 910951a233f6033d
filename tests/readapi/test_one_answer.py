"""Each cached route has one answer: from the cache, past it, and as OpenAPI documents it.

The cached routes are FastAPI routes run lean (readapi/routes/lean.py) with the
response cache inside them; this pins that a hit replays exactly what a miss built,
and that both match the schema the API publishes.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from tests.readapi.conftest import Gym
from tests.readapi.test_response_cache import get_cached

ROUTES = {
    "/query/trainers/{trainer_id}": "/query/trainers/{ana}",
    "/query/trainers": "/query/trainers?branch=downtown&limit=1",
    "/query/branches": "/query/branches",
    "/query/specialties": "/query/specialties",
}
SEARCH = "/query/trainers?q=yoga"


def documented(spec: dict[str, Any], route: str) -> dict[str, Any]:
    response = spec["paths"][route]["get"]["responses"]["200"]
    schema = response["content"]["application/json"]["schema"]
    return {**schema, "components": spec["components"]}


@pytest.mark.parametrize("route", [*ROUTES, "search"])
def test_cached_and_uncached_answers_agree_with_each_other_and_the_schema(
    app_client: TestClient, gym: Gym, route: str
) -> None:
    url = (SEARCH if route == "search" else ROUTES[route]).format(ana=gym.ana.pk)
    spec = app_client.get("/query/openapi.json").json()
    schema = documented(spec, "/query/trainers" if route == "search" else route)

    uncached = app_client.get(url, headers={"Cache-Control": "no-cache"})
    cached = get_cached(app_client, url)

    assert uncached.status_code == cached.status_code == 200
    assert "x-cache" not in uncached.headers
    assert cached.content == uncached.content
    for header in ("etag", "content-type", "cache-control", "content-length"):
        assert cached.headers[header] == uncached.headers[header], header
    jsonschema.validate(uncached.json(), schema)
    assert uncached.json()  # not an empty page: the schema was checked against data
    assert app_client.get(url, headers={"If-None-Match": cached.headers["etag"]}).status_code == 304


def test_every_cached_route_is_documented_with_its_parameters(app_client: TestClient) -> None:
    spec = app_client.get("/query/openapi.json").json()
    for route in ROUTES:
        operation = spec["paths"][route]["get"]
        names = {p["name"] for p in operation.get("parameters", [])}
        assert "consistency_token" in names, route
        assert "422" in operation["responses"], route
    search = {p["name"] for p in spec["paths"]["/query/trainers"]["get"]["parameters"]}
    assert {"branch", "specialty", "shift", "position", "weekday", "q", "limit", "cursor"} <= search


def test_the_hot_routes_are_dispatched_to_their_lean_route() -> None:
    """LeanDispatch finds every cached route through the routers the app includes."""
    from config.asgi import query_app
    from readapi.routes.lean import lean_routes

    paths = {route.path for route in lean_routes(query_app.routes)}
    assert set(ROUTES) <= paths


def test_with_opentelemetry_on_the_cached_routes_answer_the_same_through_fastapi(
    app_client: TestClient, gym: Gym, monkeypatch: pytest.MonkeyPatch
) -> None:
    """QUERY_OTEL=1 sends every request through FastAPI's (traced) stack, same answers."""
    from config.dsn import read_dsn, write_dsn
    from readapi.app import create_app
    from readapi.routes.lean import LeanDispatch

    monkeypatch.setenv("QUERY_OTEL", "1")
    traced = create_app(dsn=read_dsn, listen_dsn=write_dsn)
    front: Any = traced.front
    layers = []
    while front is not None:
        layers.append(type(front))
        front = getattr(front, "app", None)
    assert LeanDispatch not in layers
    with TestClient(traced) as client:
        for url in [*ROUTES.values(), SEARCH]:
            url = url.format(ana=gym.ana.pk)
            ours = app_client.get(url, headers={"Cache-Control": "no-cache"})
            theirs = client.get(url, headers={"Cache-Control": "no-cache"})
            assert theirs.status_code == ours.status_code == 200, url
            assert theirs.content == ours.content, url
            assert theirs.headers["etag"] == ours.headers["etag"], url
            assert theirs.headers["x-content-type-options"] == "nosniff", url


def test_operation_ids_make_good_method_names(app_client: TestClient) -> None:
    """A generated client's methods are named after these (not read_trainers_query_...)."""
    spec = app_client.get("/query/openapi.json").json()
    ids = {
        path: {method: op["operationId"] for method, op in ops.items()}
        for path, ops in spec["paths"].items()
    }
    assert ids == {
        "/query/trainers": {"get": "listTrainers"},
        "/query/trainers/{trainer_id}": {"get": "getTrainer"},
        "/query/branches": {"get": "listBranches"},
        "/query/specialties": {"get": "listSpecialties"},
        "/query/timetable": {"get": "getTimetable"},
        "/query/changes": {"get": "streamChanges"},
    }
