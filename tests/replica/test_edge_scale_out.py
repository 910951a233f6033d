"""Scale-out on one machine: two app processes behind a real Varnish, over a primary and
its streaming replica. A write through either process is visible through the edge
within 1 s without a token and at once with it; one process stopped, reads go on,
and the other takes over purging."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

import httpx
import pytest

from bench.varnish import Varnish, start_varnish
from config import lsn
from tests.edge.test_varnish import fresh_within, item_ids, metric, wait_until
from tests.replica.cluster import Cluster, start_primary, start_replica
from tests.replica.test_read_your_writes import PASSWORD, manage
from tests.server import LiveServer, free_port, start_server

pytestmark = [pytest.mark.slow, pytest.mark.e2e]
NO_CACHE = {"Cache-Control": "no-cache"}


@dataclass
class Site:
    cluster: Cluster
    apps: list[LiveServer]
    varnish: Varnish
    edge: httpx.Client
    staff: list[httpx.Client]


def leads(app: LiveServer) -> bool:
    with httpx.Client(base_url=app.url, timeout=5) as http:
        return metric(http, "cdn_purge_leader") == 1 and metric(http, "cdn_purge_rounds") >= 1


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    cluster = start_primary(port=random.randrange(20000, 60000))
    apps: list[LiveServer] = []
    varnish: Varnish | None = None
    clients: list[httpx.Client] = []
    try:
        manage(cluster, "migrate", "--noinput")
        manage(
            cluster,
            "createsuperuser",
            "--noinput",
            "--username",
            "ops",
            "--email",
            "ops@example.com",
            DJANGO_SUPERUSER_PASSWORD=PASSWORD,
        )
        start_replica(cluster)
        edge_port = free_port()
        env = {
            "READ_DATABASE_URL": cluster.replica.url,
            "CDN_PURGE_URLS": f"http://127.0.0.1:{edge_port}",
            "CONSISTENCY_WAIT_MS": "2000",
        }
        for _ in range(2):
            apps.append(start_server(cluster.primary.settings_dict, env=env, timeout=90))
        ports = [urlsplit(app.url).port for app in apps]
        varnish = start_varnish([("127.0.0.1", p) for p in ports if p], port=edge_port)
        token = httpx.post(
            f"{apps[0].url}/api/auth/token/", json={"username": "ops", "password": PASSWORD}
        ).json()["token"]
        auth = {"Authorization": f"Token {token}"}
        clients = [httpx.Client(base_url=app.url, headers=auth, timeout=10) for app in apps]
        edge = httpx.Client(base_url=varnish.url, timeout=10)
        clients.append(edge)
        wait_until(lambda: sum(leads(app) for app in apps) == 1)
        # Every test writes trainers to this branch: made here, so that each test holds
        # whichever worker runs it (xdist may run this module's tests on two).
        write(clients[0], "POST", "/api/branches/", {"slug": "edge", "name": "Edge", "city": "X"})
        listed = "/query/trainers?branch=edge"
        wait_until(lambda: edge.get(listed, headers=NO_CACHE).status_code == 200, within=5)
        yield Site(cluster, apps, varnish, edge, clients[:2])
    finally:
        for client in clients:
            client.close()
        if varnish is not None:
            varnish.stop()
        for app in apps:
            app.stop()
        cluster.stop()


def has_bio(response: httpx.Response, bio: str) -> bool:
    return bool(response.json()["bio"] == bio)


def write(staff: httpx.Client, method: str, path: str, body: dict[str, object]) -> httpx.Response:
    response = staff.request(method, path, json=body)
    assert response.status_code < 300, response.text
    return response


def test_writes_through_either_process_reach_the_edge(site: Site) -> None:
    first, second = site.staff
    trainer = write(
        first,
        "POST",
        "/api/trainers/",
        {
            "first_name": "Eda",
            "last_name": "Edge",
            "email": "eda@staff.example.com",
            "hired_on": "2020-01-01",
            "branch": "edge",
        },
    ).json()
    published = write(first, "POST", f"/api/trainers/{trainer['id']}/publish/", {})
    path = f"/query/trainers/{trainer['id']}"
    token = published.headers[lsn.HEADER]
    assert site.edge.get(path, headers={lsn.HEADER: token}).status_code == 200
    wait_until(lambda: site.edge.get(path).status_code == 200, within=2)
    site.edge.get(path)
    assert site.edge.get(path).headers["x-edge-cache"] == "hit"

    for n, staff in enumerate((second, first)):
        bio = f"Written through process {n}."
        changed = write(staff, "PATCH", f"/api/trainers/{trainer['id']}/", {"bio": bio})
        with_token = site.edge.get(path, headers={lsn.HEADER: changed.headers[lsn.HEADER]})
        assert with_token.json()["bio"] == bio  # at once, past the edge, on the replica
        assert fresh_within(site.edge, path, partial(has_bio, bio=bio)) < 1.0


def test_one_process_stopped_reads_go_on_and_purging_moves(site: Site) -> None:
    leader = next(i for i, app in enumerate(site.apps) if leads(app))
    survivor = 1 - leader
    path = "/query/trainers?branch=edge"
    site.edge.get(path)

    site.apps[leader].stop()
    for _ in range(20):  # some of these reach the stopped process before its probe fails
        assert site.edge.get(path, headers=NO_CACHE).status_code == 200
    wait_until(lambda: leads(site.apps[survivor]), within=15)

    staff = site.staff[survivor]
    trainer = write(
        staff,
        "POST",
        "/api/trainers/",
        {
            "first_name": "Otto",
            "last_name": "Later",
            "email": "otto@staff.example.com",
            "hired_on": "2021-01-01",
            "branch": "edge",
        },
    ).json()
    write(staff, "POST", f"/api/trainers/{trainer['id']}/publish/", {})
    started = time.monotonic()
    fresh_within(site.edge, path, lambda r: trainer["id"] in item_ids(r))
    assert time.monotonic() - started < 1.0
