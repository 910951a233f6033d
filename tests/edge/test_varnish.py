"""The project's VCL in a real varnishd in front of a real app server, purged by the app.

The app runs with ``CDN_PURGE_URLS`` pointing at the edge: a change committed by
anyone (here: command handlers in the test process) is purged by key, and the next
read through the edge gets the new answer.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
import pytest
from django.db import connections

from bench.varnish import Varnish, start_varnish
from tests.factories import make_trainer
from tests.server import LiveServer, free_port, start_server
from trainers.commands import TrainerUpdateProfile
from trainers.handlers.trainer import trainer_update_profile
from trainers.models import Trainer

pytestmark = pytest.mark.e2e


@dataclass
class Edge:
    app: LiveServer
    varnish: Varnish
    http: httpx.Client


@pytest.fixture
def edge(transactional_db: None) -> Iterator[Edge]:
    edge_port = free_port()
    app = start_server(
        connections["default"].settings_dict,
        env={"CDN_PURGE_URLS": f"http://127.0.0.1:{edge_port}"},
    )
    varnish: Varnish | None = None
    try:
        port = urlsplit(app.url).port
        assert port is not None
        varnish = start_varnish([("127.0.0.1", port)], port=edge_port)
        with httpx.Client(base_url=varnish.url, timeout=5) as http:
            # The new leader's first round bans everything: let it land before the test.
            wait_until(lambda: metric(http, "cdn_purge_rounds") >= 1)
            yield Edge(app, varnish, http)
    finally:
        if varnish is not None:
            varnish.stop()
        app.stop()


def metric(http: httpx.Client, name: str) -> float:
    """The value of one of the app's scrape-time gauges (one process behind ``http``)."""
    for line in http.get("/metrics").text.splitlines():
        if line.startswith(name + "{"):
            return float(line.rpartition(" ")[2])
    return -1.0


def wait_until(condition: Callable[[], object], within: float = 10) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def purges_settled(http: httpx.Client) -> None:
    """Return once the app has purged what earlier commits announced: no key waiting and
    no new round for 0.2 s. A purge that lands after a first read would empty the entry
    that read filled, and the second read would miss."""
    before = -1.0
    deadline = time.monotonic() + 10
    while True:
        rounds = metric(http, "cdn_purge_rounds")
        if rounds == before and metric(http, "cdn_purge_pending_keys") == 0:
            return
        assert time.monotonic() < deadline, "the app's purges did not settle"
        before = rounds
        time.sleep(0.2)


def public_trainer(first_name: str, bio: str = "") -> Trainer:
    return make_trainer(first_name=first_name, bio=bio)  # published, at a branch of its own


def item_ids(response: httpx.Response) -> list[str]:
    return [item["id"] for item in response.json()["items"]]


def fresh_within(http: httpx.Client, path: str, seen: Callable[[httpx.Response], bool]) -> float:
    """Seconds until a plain read through the edge shows the change (fails after 1 s)."""
    started = time.monotonic()
    while True:
        response = http.get(path)
        assert response.status_code == 200
        if seen(response):
            return time.monotonic() - started
        assert time.monotonic() - started < 1.0, f"{path} still stale through the edge"
        time.sleep(0.02)


def test_the_edge_caches_by_the_apps_headers_and_is_purged_by_key(edge: Edge) -> None:
    http = edge.http
    ana = public_trainer(first_name="Ana", bio="Before.")
    bruno = public_trainer(first_name="Bruno", bio="Stays.")
    path, other = f"/query/trainers/{ana.id}", f"/query/trainers/{bruno.id}"
    purges_settled(http)

    first, second = http.get(path), http.get(path)
    assert first.headers["x-edge-cache"] == "miss"
    assert second.headers["x-edge-cache"] == "hit"
    assert second.json()["bio"] == "Before."
    assert "xkey" not in second.headers  # the edge's own tags stay at the edge
    assert second.headers["surrogate-key"] == f"t:{ana.id}"
    http.get(other)
    assert http.get(other).headers["x-edge-cache"] == "hit"
    http.get("/query/trainers")
    assert http.get("/query/trainers").headers["x-edge-cache"] == "hit"

    trainer_update_profile(TrainerUpdateProfile(ana.id, bio="After."))

    assert fresh_within(http, path, lambda r: r.json()["bio"] == "After.") < 1.0
    # Only what depended on that trainer went: another profile and the list stay cached
    # (a bio edit changes no list item).
    assert http.get(other).headers["x-edge-cache"] == "hit"
    assert http.get("/query/trainers").headers["x-edge-cache"] == "hit"

    carla = public_trainer(first_name="Carla")
    assert fresh_within(http, "/query/trainers", lambda r: str(carla.id) in item_ids(r)) < 1.0


def test_what_the_edge_does_not_cache(edge: Edge) -> None:
    http = edge.http
    ana = public_trainer(first_name="Ana")
    path = f"/query/trainers/{ana.id}"
    http.get(path)
    fresh = {"Cache-Control": "no-cache"}
    assert http.get(path, headers=fresh).headers["x-edge-cache"] == "miss"
    assert http.get(path, headers={"X-Consistency-Token": "0/1"}).headers["x-edge-cache"] == "miss"
    for url in ("/query/openapi.json", "/healthz", "/api/"):
        http.get(url)
        assert http.get(url).headers["x-edge-cache"] == "miss", url


def test_purges_need_keys_and_bans_clear_everything(edge: Edge) -> None:
    http = edge.http
    ana = public_trainer(first_name="Ana")
    path = f"/query/trainers/{ana.id}"
    http.get(path)
    http.get("/query/branches")

    assert http.request("PURGE", "/").status_code == 400
    purged = http.request("PURGE", "/", headers={"xkey-purge": f"t:{ana.id}"})
    assert purged.status_code == 200
    assert http.get(path).headers["x-edge-cache"] == "miss"
    assert http.get("/query/branches").headers["x-edge-cache"] == "hit"

    assert http.request("BAN", "/").status_code == 200
    wait_until(lambda: http.get("/query/branches").headers["x-edge-cache"] == "miss")


def test_the_edge_keeps_a_former_slugs_redirect_until_the_trainer_changes(edge: Edge) -> None:
    http = edge.http
    ana = make_trainer(first_name="Ana", slug="ana-edge")
    trainer_update_profile(TrainerUpdateProfile(ana.id, slug="ana-moved"))
    purges_settled(http)
    path = "/query/trainers/ana-edge?utm=1"
    first, second = http.get(path), http.get(path)
    assert first.status_code == second.status_code == 301
    assert second.headers["location"] == "/query/trainers/ana-moved?utm=1"
    assert second.headers["x-edge-cache"] == "hit"
    assert second.headers["surrogate-key"] == f"t:{ana.id}"

    trainer_update_profile(TrainerUpdateProfile(ana.id, slug="ana-edge"))  # back again

    started = time.monotonic()
    while http.get(path).status_code != 200:
        assert time.monotonic() - started < 1.0, "the redirect outlived the purge"
        time.sleep(0.02)


def test_the_edge_caches_the_public_pages_and_purges_them_by_key(edge: Edge) -> None:
    http = edge.http
    ana = make_trainer(first_name="Ana", slug="ana-page", bio="Before the edit.")
    purges_settled(http)
    page = "/trainers/ana-page"
    first, second = http.get(page), http.get(page)
    assert first.status_code == second.status_code == 200
    assert "text/html" in second.headers["content-type"]
    assert (first.headers["x-edge-cache"], second.headers["x-edge-cache"]) == ("miss", "hit")
    assert second.headers["surrogate-key"] == f"t:{ana.id}"
    http.get("/")
    assert http.get("/").headers["x-edge-cache"] == "hit"
    stylesheet = next(
        part.split('"')[1]
        for part in second.text.split("href=")[1:]
        if part.startswith('"/assets/') and '.css"' in part.split(">")[0]
    )
    http.get(stylesheet)
    assert http.get(stylesheet).headers["x-edge-cache"] == "hit"  # immutable, hashed name

    trainer_update_profile(TrainerUpdateProfile(ana.id, bio="After the edit."))

    assert fresh_within(http, page, lambda r: "After the edit." in r.text) < 1.0
    # The admin and the command API still pass through.
    for url in ("/admin/login/", "/api/"):
        http.get(url)
        assert http.get(url).headers["x-edge-cache"] == "miss", url
