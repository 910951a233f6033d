"""Feed limits (issue 17, finding 5): streams per client address, and resumes from
positions the feed cannot serve (beyond the newest change, or already pruned)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator

import httpx
import pytest
from django.db import connection, connections

from tests.factories import make_branch
from tests.feed.sse import EventReader
from tests.feed.test_stream import newest, publish, stream
from tests.server import LiveServer, start_server

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PER_CLIENT = 3


@pytest.fixture
def server() -> Iterator[LiveServer]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT read.publish_changes(NULL)")
    live = start_server(
        connections["default"].settings_dict,
        env={"FEED_KEEPALIVE_SECONDS": "1", "FEED_MAX_STREAMS_PER_CLIENT": str(PER_CLIENT)},
        timeout=60,
    )
    try:
        yield live
    finally:
        live.stop()


def test_one_address_holds_at_most_its_share_of_streams(server: LiveServer) -> None:
    # Readers are kept: a dropped one closes its line iterator, and with it the stream.
    readers: list[EventReader] = []
    with stream(server.url) as client, contextlib.ExitStack() as streams:
        for i in range(PER_CLIENT):
            # Made-up X-Forwarded-For addresses change nothing: no proxy is configured.
            headers = {"X-Forwarded-For": f"198.51.100.{i}"}
            response = streams.enter_context(
                client.stream("GET", "/query/changes", headers=headers)
            )
            readers.append(EventReader(response))
            assert readers[-1].next().event == "ready"
        refused = httpx.get(
            f"{server.url}/query/changes",
            headers={"X-Forwarded-For": "198.51.100.99"},
            timeout=httpx.Timeout(5.0, read=0.5),
        )
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["code"] == "too_many_streams"
        assert refused.headers["retry-after"]
    # Closed streams give their places back.
    with stream(server.url) as client, client.stream("GET", "/query/changes") as response:
        assert response.status_code == 200
        assert EventReader(response).next().event == "ready"


def resume(server: LiveServer, last_event_id: int) -> tuple[str, str | None, dict[str, object]]:
    with (
        stream(server.url) as client,
        client.stream(
            "GET", "/query/changes", headers={"Last-Event-ID": str(last_event_id)}
        ) as response,
    ):
        assert response.status_code == 200
        first = EventReader(response).next()
    return first.event, first.id, first.json()


def test_a_position_beyond_the_newest_change_is_reset_to_it(server: LiveServer) -> None:
    publish(make_branch(), 0)
    top = newest()
    assert top > 0
    event, event_id, data = resume(server, 999999999999999999)
    assert (event, event_id) == ("reset", str(top))
    assert data["newest"] == top and "beyond" in str(data["reason"])
    # The reset id resumes cleanly; the newest id itself too.
    assert resume(server, top)[:2] == ("ready", str(top))


def test_a_position_older_than_the_pruned_changes_is_reset(server: LiveServer) -> None:
    branch = make_branch()
    for n in range(3):
        publish(branch, n)
    top = newest()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE read.change_horizon SET pruned_through = %s", [top - 1])
    event, event_id, data = resume(server, top - 2)
    assert (event, event_id) == ("reset", str(top))
    assert "pruned" in str(data["reason"])
    assert resume(server, top - 1)[:2] == ("ready", str(top - 1))


def test_streams_opened_all_at_once_still_respect_the_cap(server: LiveServer) -> None:
    """The cap is taken when a stream is accepted, not when its body starts: many
    requests at once could all pass the check before any stream counted itself."""

    async def burst() -> list[int]:
        timeout = httpx.Timeout(10.0, read=3.0)
        async with httpx.AsyncClient(base_url=server.url, timeout=timeout) as client:

            async def one() -> int:
                async with client.stream("GET", "/query/changes") as response:
                    if response.status_code == 200:
                        await asyncio.sleep(2)  # hold it while the others arrive
                    return response.status_code

            return list(await asyncio.gather(*(one() for _ in range(PER_CLIENT * 8))))

    statuses = asyncio.run(burst())
    assert statuses.count(200) == PER_CLIENT, statuses
    assert statuses.count(429) == PER_CLIENT * 7, statuses
