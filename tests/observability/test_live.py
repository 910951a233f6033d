"""JSON logs with request ids, and /metrics, from a live server (uvicorn, as deployed)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.db import connections

from tests.server import LiveServer, start_server

# The django_db mark makes pytest-django create the test database even when this module
# runs alone (it sets up only the databases collected tests ask for); without it the
# server below was started on the development database.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

TOKEN = "metrics-test-token"


@pytest.fixture(scope="module")
def server(django_db_setup: None, django_db_blocker: Any) -> Iterator[LiveServer]:
    with django_db_blocker.unblock():
        settings_dict = dict(connections["default"].settings_dict)
    live = start_server(
        settings_dict,
        env={"LOG_FORMAT": "json", "ACCESS_LOG": "true", "METRICS_TOKEN": TOKEN},
    )
    try:
        yield live
    finally:
        live.stop()


def log_lines(server: LiveServer, request_id: str) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for raw in server.output().splitlines():
        if request_id in raw:
            lines.append(json.loads(raw))
    return lines


def wait_for_lines(server: LiveServer, request_id: str, count: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 5
    while True:
        lines = log_lines(server, request_id)
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def test_every_log_line_of_a_django_request_is_json_with_its_request_id(
    server: LiveServer,
) -> None:
    rid = f"test-{uuid.uuid4().hex}"
    headers = {"X-Request-ID": rid, "X-Forwarded-For": "198.51.100.7"}
    response = httpx.get(f"{server.url}/api/trainers/", headers=headers)
    assert response.status_code == 401
    assert response.headers["x-request-id"] == rid
    lines = wait_for_lines(server, rid, 3)
    by_logger = {line["logger"]: line for line in lines}
    # Django's own warning (logged in a worker thread), the access line, uvicorn's line.
    assert {"django.request", "trainers.access", "uvicorn.access"} <= set(by_logger)
    assert all(line["request_id"] == rid for line in lines)
    entry = by_logger["trainers.access"]
    assert entry["route"] == "/api/trainers/"
    assert (entry["method"], entry["path"], entry["status"]) == ("GET", "/api/trainers/", 401)
    assert entry["duration_ms"] >= 0
    # The client as every limit sees it: no proxy configured, so the made-up header is ignored.
    assert entry["client"] == "127.0.0.1"
    assert {"time", "level", "message"} <= set(entry)


def test_query_requests_are_logged_with_their_route_template(server: LiveServer) -> None:
    rid = f"test-{uuid.uuid4().hex}"
    trainer = uuid.uuid4()
    response = httpx.get(f"{server.url}/query/trainers/{trainer}", headers={"X-Request-ID": rid})
    assert response.status_code == 404
    (entry,) = [
        line for line in wait_for_lines(server, rid, 2) if line["logger"] == "trainers.access"
    ]
    assert entry["route"] == "/query/trainers/{trainer_id}"
    assert entry["path"] == f"/query/trainers/{trainer}"


def scrape(server: LiveServer) -> str:
    response = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def sample(text: str, name: str, **labels: str) -> float | None:
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        metric, _, value = line.rpartition(" ")
        if metric.split("{")[0] != name:
            continue
        if all(f'{key}="{val}"' in metric for key, val in labels.items()):
            return float(value)
    return None


def test_metrics_count_requests_per_route_template_not_per_path(server: LiveServer) -> None:
    ids = [uuid.uuid4() for _ in range(3)]
    before = scrape(server)
    route = "/query/trainers/{trainer_id}"
    start = sample(before, "http_requests_total", route=route, status="404") or 0
    for trainer in ids:
        httpx.get(f"{server.url}/query/trainers/{trainer}")
    httpx.get(f"{server.url}/api/trainers/{ids[0]}/")
    text = scrape(server)
    assert sample(text, "http_requests_total", method="GET", route=route, status="404") == start + 3
    assert sample(text, "http_request_duration_seconds_count", route=route) is not None
    assert sample(text, "http_requests_total", route="/api/trainers/<uuid:trainer_id>/") is not None
    for trainer in ids:
        assert str(trainer) not in text


def test_metrics_report_the_pool_the_feed_the_cache_and_the_lag(server: LiveServer) -> None:
    before = scrape(server)
    misses = sample(before, "readapi_cache_misses") or 0
    httpx.get(f"{server.url}/query/branches", headers={"Cache-Control": "no-cache"})
    text = scrape(server)
    assert sample(text, "readapi_cache_misses") == misses + 1
    assert sample(text, "readapi_cache_entries") is not None
    assert (sample(text, "readapi_pool_pool_size") or 0) >= 1
    assert sample(text, "readapi_pool_pool_available") is not None
    # The branches were read on a connection the lender keeps for the next request.
    assert (sample(text, "readapi_lender_out") or 0) >= 1
    assert sample(text, "readapi_lender_idle") == sample(text, "readapi_lender_out")
    assert sample(text, "readapi_lender_waiting") == 0
    assert sample(text, "readapi_feed_streams") == 0
    assert sample(text, "readapi_feed_listening") == 1
    assert sample(text, "read_model_replay_lag_seconds") == 0, "the primary never lags itself"
    assert sample(text, "read_model_replay_lag_bytes") == 0
    assert sample(text, "read_model_newest_change_id") is not None


def test_metrics_need_the_token_when_one_is_set(server: LiveServer) -> None:
    assert httpx.get(f"{server.url}/metrics").status_code == 401
    wrong = httpx.get(f"{server.url}/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_metrics_answer_get_only(server: LiveServer, method: str) -> None:
    auth = {"Authorization": f"Bearer {TOKEN}"}
    response = httpx.request(method, f"{server.url}/metrics", headers=auth)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert httpx.head(f"{server.url}/metrics", headers=auth).status_code == 200
