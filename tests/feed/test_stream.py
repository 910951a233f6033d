"""GET /query/changes over a live uvicorn: resume, wake-ups, keep-alives, one listener."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from datetime import date
from typing import Any
from uuid import UUID

import httpx
import pytest
from django.db import connection, connections

from tests.factories import make_branch
from tests.feed.sse import EventReader
from tests.server import LiveServer, start_server
from trainers import commands as c
from trainers.handlers import dispatch
from trainers.models import Branch, Trainer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PUBLIC_FIELDS = {"trainer_id", "version", "kind"}


@pytest.fixture(autouse=True)
def feed_in_step() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT read.publish_changes(NULL)")


def serve(keepalive: float) -> LiveServer:
    return start_server(
        connections["default"].settings_dict,
        env={"FEED_KEEPALIVE_SECONDS": str(keepalive)},
        timeout=60,
    )


@pytest.fixture
def server() -> Iterator[LiveServer]:
    live = serve(keepalive=1)
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture
def branch() -> Branch:
    return make_branch()


def newest() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM read.change")
        (value,) = cursor.fetchone()
        return int(value)


def publish(branch: Branch, n: int) -> Trainer:
    trainer: Trainer = dispatch(
        c.TrainerRegister(
            first_name="Feed",
            last_name=f"Trainer{n}",
            email=f"feed{n}@staff.example.com",
            hired_on=date(2020, 1, 1),
            branch=branch.slug,
            internal_notes="never public",
        )
    )
    published: Trainer = dispatch(c.TrainerPublish(trainer_id=trainer.pk))
    return published


def stream(url: str, **kwargs: object) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=httpx.Timeout(10.0, read=10.0), **kwargs)  # type: ignore[arg-type]


def test_a_reconnect_with_last_event_id_gets_exactly_the_missed_changes(
    server: LiveServer, branch: Branch
) -> None:
    start = newest()
    first = [publish(branch, n) for n in range(3)]
    with (
        stream(server.url) as client,
        client.stream("GET", "/query/changes", params={"after": start}) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        reader = EventReader(response)
        ready = reader.next()
        assert (ready.event, ready.id) == ("ready", str(start))
        seen = reader.changes(3)
    assert [UUID(e.json()["trainer_id"]) for e in seen] == [t.pk for t in first]
    last_id = seen[-1].id
    assert last_id is not None

    # Disconnected: more changes commit, one of them a removal.
    missed = [publish(branch, n) for n in range(3, 5)]
    dispatch(c.TrainerUnpublish(trainer_id=first[0].pk))

    with (
        stream(server.url) as client,
        client.stream(
            "GET",
            "/query/changes",
            params={"after": start},  # the original URL: Last-Event-ID wins
            headers={"Last-Event-ID": last_id},
        ) as response,
    ):
        reader = EventReader(response)
        assert reader.next().id == last_id
        resumed = reader.changes(3)
        after = reader.next()
    assert [(UUID(e.json()["trainer_id"]), e.json()["kind"]) for e in resumed] == [
        (missed[0].pk, "upsert"),
        (missed[1].pk, "upsert"),
        (first[0].pk, "delete"),
    ]
    ids = [int(e.id or 0) for e in resumed]
    assert ids == sorted(ids) and ids[0] > int(last_id)
    assert after.comments == ["keep-alive"], "nothing else was missed"
    for event in seen + resumed:
        assert set(event.json()) == PUBLIC_FIELDS


def test_an_open_stream_is_woken_by_the_commit() -> None:
    """With keep-alives 30 s apart, only the NOTIFY can deliver the change this fast."""
    live = serve(keepalive=30)
    try:
        branch = make_branch()
        with (
            stream(live.url) as client,
            client.stream("GET", "/query/changes") as response,
        ):
            reader = EventReader(response)
            ready = reader.next()
            assert ready.event == "ready"
            trainer = publish(branch, 10)
            started = time.monotonic()
            (change,) = reader.changes(1)
            elapsed = time.monotonic() - started
        assert UUID(change.json()["trainer_id"]) == trainer.pk
        assert int(change.id or 0) > int(ready.id or 0)
        assert elapsed < 2.0
    finally:
        live.stop()


def test_many_streams_share_one_listener_connection(server: LiveServer) -> None:
    readers: list[EventReader] = []  # kept: a dropped reader closes its stream
    with stream(server.url) as client, contextlib.ExitStack() as streams:
        for _ in range(3):
            response = streams.enter_context(client.stream("GET", "/query/changes"))
            readers.append(EventReader(response))
            assert readers[-1].next().event == "ready"
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query LIKE 'LISTEN read\\_%'"
            )
            (listeners,) = cursor.fetchone()
        assert listeners == 1


def test_keep_alive_comments_while_idle(server: LiveServer) -> None:
    with (
        stream(server.url) as client,
        client.stream("GET", "/query/changes") as response,
    ):
        reader = EventReader(response)
        assert reader.next().event == "ready"
        assert reader.next().comments == ["keep-alive"]


def test_a_malformed_position_is_422(server: LiveServer) -> None:
    for headers, params in [
        ({"Last-Event-ID": "abc"}, {}),
        ({"Last-Event-ID": "-1"}, {}),
        ({"Last-Event-ID": "1" * 30}, {}),
        ({}, {"after": "-1"}),
        ({}, {"after": "x"}),
    ]:
        response = httpx.get(f"{server.url}/query/changes", headers=headers, params=params)
        assert response.status_code == 422, (headers, params)
        assert response.headers["content-type"] == "application/problem+json"


def test_the_feed_is_documented_as_an_event_stream(app_client: Any) -> None:
    get = app_client.get("/query/openapi.json").json()["paths"]["/query/changes"]["get"]
    assert "text/event-stream" in get["responses"]["200"]["content"]
    assert {"422", "503"} <= set(get["responses"])
    names = {p["name"] for p in get["parameters"]}
    assert names == {"after", "Last-Event-ID"}
