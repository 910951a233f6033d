"""The response cache never serves the writer what it just changed.

A write in the serving process invalidates the cache at its commit, before the
writer's response; a write in another process is heard through NOTIFY, and a
client that cannot wait for that skips the cache with ``Cache-Control: no-cache``
or its consistency token.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from django.contrib.auth import get_user_model
from fastapi.testclient import TestClient
from rest_framework.authtoken.models import Token
from starlette.types import Message, Receive, Scope, Send

from readapi.cache import Generation, ResponseCache
from tests.readapi.conftest import Gym
from tests.server import LiveServer
from trainers.commands import BranchCreate, SpecialtyCreate, TrainerUpdateProfile
from trainers.handlers import branch_create, specialty_create, trainer_update_profile
from trainers.models import Trainer


def get_cached(client: TestClient | httpx.Client, url: str) -> Any:
    """GET until the answer comes from the cache (the change listener connects at startup)."""
    deadline = time.monotonic() + 5
    while True:
        client.get(url)
        response = client.get(url)
        if response.headers.get("x-cache") == "hit" or time.monotonic() > deadline:
            assert response.headers.get("x-cache") == "hit", "the cache never served a hit"
            return response
        time.sleep(0.05)


def test_a_patch_through_the_api_is_read_back_at_once(app_client: TestClient, gym: Gym) -> None:
    url = f"/query/trainers/{gym.ana.pk}"
    assert get_cached(app_client, url).json()["bio"] == "Vinyasa flow and mobility."
    editor = get_user_model().objects.create_user("editor", is_staff=True, is_superuser=True)
    token = Token.objects.create(user=editor)

    for n in range(3):
        patched = app_client.patch(
            f"/api/trainers/{gym.ana.pk}/",
            json={"bio": f"Fresh bio {n}."},
            headers={"Authorization": f"Token {token.key}"},
        )
        assert patched.status_code == 200
        assert app_client.get(url).json()["bio"] == f"Fresh bio {n}."
        assert get_cached(app_client, url).json()["bio"] == f"Fresh bio {n}."


def test_a_write_without_event_or_notify_in_this_process_is_read_at_once(
    app_client: TestClient, gym: Gym
) -> None:
    """A queryset update sends no NOTIFY: only the commit hook of this process can tell."""
    page: Any = get_cached(app_client, "/query/trainers?branch=downtown")
    assert [t["last_name"] for t in page.json()["items"]] == ["Costa", "Silva"]
    detail = f"/query/trainers/{gym.ana.pk}"
    get_cached(app_client, detail)

    Trainer.objects.filter(pk=gym.ana.pk).update(last_name="Abreu")

    page = app_client.get("/query/trainers?branch=downtown")
    assert "x-cache" not in page.headers
    assert [t["last_name"] for t in page.json()["items"]] == ["Abreu", "Costa"]
    assert app_client.get(detail).json()["last_name"] == "Abreu"


@pytest.mark.e2e
def test_a_command_in_another_process_reaches_the_server(
    live_server_process: LiveServer, gym: Gym
) -> None:
    url = f"/query/trainers/{gym.ana.pk}"
    with httpx.Client(base_url=live_server_process.url, timeout=10) as http:
        get_cached(http, url)
        trainer_update_profile(TrainerUpdateProfile(trainer_id=gym.ana.pk, bio="Elsewhere."))

        # Those who cannot wait for the notification ask past the cache.
        fresh = http.get(url, headers={"Cache-Control": "no-cache"})
        assert fresh.json()["bio"] == "Elsewhere."
        assert "x-cache" not in fresh.headers
        token = http.get(url, headers={"X-Consistency-Token": "0/0"})
        assert token.json()["bio"] == "Elsewhere."

        # Everyone else within the notification's delay.
        deadline = time.monotonic() + 5
        while http.get(url).json()["bio"] != "Elsewhere.":
            assert time.monotonic() < deadline, "the NOTIFY never invalidated the cache"
            time.sleep(0.05)


@pytest.mark.e2e
def test_facet_changes_in_another_process_reach_the_server(
    live_server_process: LiveServer, gym: Gym
) -> None:
    """A new branch or specialty moves no public trainer, so no trainer document announces
    it: their projections do (migration 0008)."""

    def wait_for(http: httpx.Client, url: str, slug: str) -> None:
        deadline = time.monotonic() + 5
        while slug not in {item["slug"] for item in http.get(url).json()["items"]}:
            assert time.monotonic() < deadline, f"{url} never showed {slug!r}"
            time.sleep(0.05)

    with httpx.Client(base_url=live_server_process.url, timeout=10) as http:
        get_cached(http, "/query/branches")
        get_cached(http, "/query/specialties")
        branch_create(BranchCreate(slug="harbour", name="Harbour", city="Porto"))
        specialty_create(SpecialtyCreate(slug="pilates", name="Pilates"))
        wait_for(http, "/query/branches", "harbour")
        wait_for(http, "/query/specialties", "pilates")
        assert "pilates" in {
            s["slug"] for s in get_cached(http, "/query/specialties").json()["items"]
        }


class FakeRoute:
    """An inner app that answers 200 with an ETag, and can change the data while it runs."""

    def __init__(self, generation: Generation, bump_while_running: bool = False) -> None:
        self.generation = generation
        self.bump_while_running = bump_while_running
        self.calls = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        if self.bump_while_running:
            self.generation.bump()  # a write commits while the query runs
        await send({"type": "http.response.start", "status": 200, "headers": [(b"etag", b'"1"')]})
        await send({"type": "http.response.body", "body": b"{}"})


def run(cache: ResponseCache, path: str = "/query/trainers") -> list[Message]:
    scope: dict[str, Any] = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": b"",
        "headers": [],
    }
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(cache(scope, receive, send))
    return sent


def listening_generation() -> Generation:
    generation = Generation()
    generation.listening = lambda: True
    return generation


def test_an_answer_read_while_a_write_committed_is_not_kept() -> None:
    generation = listening_generation()
    route = FakeRoute(generation, bump_while_running=True)
    cache = ResponseCache(route, generation=generation, seconds=60, max_bytes=2**20)
    run(cache)
    run(cache)
    assert route.calls == 2
    assert cache.hits == 0


def test_nothing_is_cached_while_no_listener_hears_other_processes() -> None:
    generation = Generation()
    route = FakeRoute(generation)
    cache = ResponseCache(route, generation=generation, seconds=60, max_bytes=2**20)
    run(cache)
    run(cache)
    assert route.calls == 2

    generation.listening = lambda: True
    run(cache)
    run(cache)
    assert route.calls == 3
    generation.bump()
    run(cache)
    assert route.calls == 4


def test_entries_expire_and_other_routes_are_never_cached() -> None:
    generation = listening_generation()
    route = FakeRoute(generation)
    cache = ResponseCache(route, generation=generation, seconds=0.05, max_bytes=2**20)
    run(cache)
    run(cache)
    assert route.calls == 1
    time.sleep(0.06)
    run(cache)
    assert route.calls == 2
    run(cache, "/query/timetable")
    run(cache, "/query/timetable")
    assert route.calls == 4
