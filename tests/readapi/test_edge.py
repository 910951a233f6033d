"""What browsers on other origins and shared caches get: CORS, HEAD, Cache-Control, keys."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from readapi.edge import CachePolicy
from tests.readapi.conftest import Gym
from tests.readapi.test_response_cache import get_cached
from trainers.commands import GymClassReschedule
from trainers.handlers.gym_class import gym_class_reschedule
from trainers.models import GymClass

ORIGIN = "https://gym.example"
KEYED = {
    "/query/trainers/{ana}": "t:{ana}",
    "/query/trainers?branch=downtown": "facets lists",
    "/query/trainers?q=ana": "facets lists search",
    "/query/branches": "facets",
    "/query/specialties": "facets",
    "/query/timetable": "facets timetable",
}
GETTABLE = [*KEYED, "/query/openapi.json", "/query/docs"]


@pytest.fixture
def edge_client(transactional_db: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """A query app configured as behind a purged edge, with one allowed origin."""
    from config.dsn import read_dsn, write_dsn
    from readapi.app import create_app

    monkeypatch.setenv("CDN_PURGE_URLS", "http://127.0.0.1:9/")
    monkeypatch.setenv("QUERY_CORS_ORIGINS", f"{ORIGIN}, https://other.example")
    with TestClient(create_app(dsn=read_dsn, listen_dsn=write_dsn)) as client:
        yield client


def test_cache_control_policy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CDN_PURGE_URLS", "QUERY_MAX_AGE", "QUERY_S_MAXAGE"):
        monkeypatch.delenv(name, raising=False)
    assert CachePolicy.from_env().header() == b"public, no-cache, stale-if-error=86400"
    monkeypatch.setenv("CDN_PURGE_URLS", "http://varnish/")
    assert CachePolicy.from_env().header() == (
        b"public, max-age=0, s-maxage=300, stale-while-revalidate=30, stale-if-error=86400"
    )
    monkeypatch.setenv("QUERY_S_MAXAGE", "60")
    monkeypatch.setenv("QUERY_STALE_IF_ERROR", "0")
    assert CachePolicy.from_env().header() == (
        b"public, max-age=0, s-maxage=60, stale-while-revalidate=30"
    )
    monkeypatch.setenv("QUERY_S_MAXAGE", "-1")
    with pytest.raises(ValueError, match="QUERY_S_MAXAGE"):
        CachePolicy.from_env()


@pytest.mark.parametrize("path", KEYED)
def test_answers_name_their_keys_for_shared_caches(
    edge_client: TestClient, gym: Gym, path: str
) -> None:
    url = path.format(ana=gym.ana.pk)
    keys = KEYED[path].format(ana=gym.ana.pk)
    miss = edge_client.get(url, headers={"Cache-Control": "no-cache"})
    hit = get_cached(edge_client, url)
    not_modified = edge_client.get(url, headers={"If-None-Match": miss.headers["etag"]})

    assert hit.headers["x-cache"] == "hit"
    assert not_modified.status_code == 304
    for response in (miss, hit, not_modified):
        assert response.headers["surrogate-key"] == keys
        assert response.headers["xkey"] == keys
        assert response.headers["cache-control"] == (
            "public, max-age=0, s-maxage=300, stale-while-revalidate=30, stale-if-error=86400"
        )


def test_the_timetable_is_cached_by_its_own_key_and_evicted_by_class_changes(
    edge_client: TestClient, gym: Gym
) -> None:
    url = "/query/timetable?weekday=1"
    assert get_cached(edge_client, url).headers["surrogate-key"] == "facets timetable"
    morning = GymClass.objects.get(title="Morning flow")

    gym_class_reschedule(GymClassReschedule(morning.pk, capacity=3))

    # This app hears the test process's commit by LISTEN: evicted within moments.
    deadline = time.monotonic() + 2
    while "x-cache" in (fresh := edge_client.get(url)).headers:
        assert time.monotonic() < deadline, "the class change did not evict the timetable"
        time.sleep(0.02)
    assert [c["capacity"] for c in fresh.json()["items"] if c["title"] == "Morning flow"] == [3]


def test_cors_preflight_and_exposed_headers(edge_client: TestClient, gym: Gym) -> None:
    preflight = edge_client.options(
        "/query/trainers",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-consistency-token, if-none-match",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == ORIGIN
    assert preflight.headers["vary"] == "Origin"
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert "x-consistency-token" in allowed and "if-none-match" in allowed

    response = edge_client.get(f"/query/trainers/{gym.ana.pk}", headers={"Origin": ORIGIN})
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["vary"] == "Origin"
    exposed = response.headers["access-control-expose-headers"].lower()
    assert {"etag", "retry-after", "x-request-id"} <= set(exposed.split(", "))

    stranger = edge_client.get("/query/trainers", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in stranger.headers
    assert stranger.headers["vary"] == "Origin"  # a shared cache keys this answer by origin
    refused = edge_client.options(
        "/query/trainers",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert "QUERY_CORS_ORIGINS" in refused.json()["detail"]


def test_any_origin_by_default(app_client: TestClient, gym: Gym) -> None:
    response = app_client.get("/query/branches", headers={"Origin": "https://any.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    # Also without Origin: a shared cache may serve this answer to browser code later.
    assert app_client.get("/query/branches").headers["access-control-allow-origin"] == "*"
    preflight = app_client.options(
        "/query/changes",
        headers={"Origin": "https://any.example", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code == 204
    assert "last-event-id" in preflight.headers["access-control-allow-headers"].lower()
    problem = app_client.get("/query/trainers?limit=0", headers={"Origin": "https://any.example"})
    assert problem.status_code == 422
    assert problem.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("path", GETTABLE)
def test_head_wherever_get_works(app_client: TestClient, gym: Gym, path: str) -> None:
    url = path.format(ana=gym.ana.pk)
    get = app_client.get(url)
    head = app_client.head(url)
    assert get.status_code == head.status_code == 200
    assert head.content == b""
    for header in ("content-type", "content-length", "etag", "cache-control"):
        assert head.headers.get(header) == get.headers.get(header), header


def test_head_of_an_unknown_trainer_is_404(app_client: TestClient, gym: Gym) -> None:
    head = app_client.head("/query/trainers/00000000-0000-0000-0000-000000000000")
    assert head.status_code == 404
    assert head.content == b""
