"""The response cache never serves the writer what it just changed.

A write in the serving process invalidates the cache at its commit, before the
writer's response; a write in another process is heard through NOTIFY, and a
client that cannot wait for that skips the cache with ``Cache-Control: no-cache``
or its consistency token.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from django.contrib.auth import get_user_model
from fastapi.testclient import TestClient
from rest_framework.authtoken.models import Token

from readapi.cache import ResponseCache
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


def test_a_bio_edit_evicts_the_profile_and_searches_but_not_the_list_pages(
    app_client: TestClient, gym: Gym
) -> None:
    """The projection announces what it changed: the bio shows in the profile and is
    searched, but no list item shows it."""
    profile = f"/query/trainers/{gym.ana.pk}"
    other = f"/query/trainers/{gym.bruno.pk}"
    pages = ["/query/trainers?branch=downtown", "/query/branches"]
    search = "/query/trainers?q=vinyasa"
    for url in [profile, other, *pages, search]:
        get_cached(app_client, url)

    trainer_update_profile(TrainerUpdateProfile(trainer_id=gym.ana.pk, bio="Vinyasa, slowly."))

    assert app_client.get(profile).json()["bio"] == "Vinyasa, slowly."
    assert "x-cache" not in app_client.get(search).headers
    for url in [other, *pages]:
        assert app_client.get(url).headers.get("x-cache") == "hit", url


def test_a_name_change_evicts_the_list_pages_and_the_facets_stay(
    app_client: TestClient, gym: Gym
) -> None:
    page = "/query/trainers?branch=downtown"
    get_cached(app_client, page)
    get_cached(app_client, "/query/specialties")
    trainer_update_profile(TrainerUpdateProfile(trainer_id=gym.ana.pk, last_name="Abreu"))
    fresh = app_client.get(page)
    assert "x-cache" not in fresh.headers
    assert [t["last_name"] for t in fresh.json()["items"]] == ["Abreu", "Costa"]
    assert app_client.get("/query/specialties").headers.get("x-cache") == "hit"


def test_unknown_parameters_make_no_cache_entries(app_client: TestClient, gym: Gym) -> None:
    """Keys are the validated query: junk parameters cannot fill (and so empty) the cache."""
    from config.asgi import query_app

    cache: ResponseCache = query_app.state.cache
    get_cached(app_client, "/query/trainers")
    before = len(cache)
    for n in range(20):
        response = app_client.get(f"/query/trainers?junk{n}=1")
        assert response.status_code == 200
        assert response.headers.get("x-cache") == "hit"
    assert len(cache) == before
    # The same query spelled differently is one entry.
    get_cached(app_client, "/query/trainers?specialty=yoga&specialty=strength&limit=20")
    hit = app_client.get("/query/trainers?specialty=strength&specialty=yoga")
    assert hit.headers.get("x-cache") == "hit"


def listening(**kwargs: Any) -> ResponseCache:
    cache = ResponseCache(
        seconds=kwargs.pop("seconds", 60), max_bytes=kwargs.pop("max_bytes", 2**20)
    )
    cache.listening = lambda: True
    return cache


def store(cache: ResponseCache, key: str, deps: set[str], read_at: int | None = None) -> None:
    cache.put(key, cache.ticket(), frozenset(deps), b"{}", "1", read_at)


def test_an_answer_read_while_its_keys_were_announced_is_not_kept() -> None:
    cache = listening()
    ticket = cache.ticket()
    cache.announce({"t:a"})  # a write commits while the query runs
    cache.put("a", ticket, frozenset({"t:a"}), b"{}", "1")
    assert cache.get("a") is None
    cache.put("b", ticket, frozenset({"t:b"}), b"{}", "1")  # other keys: still good
    assert cache.get("b") is not None


def test_an_announcement_evicts_exactly_the_entries_of_its_keys() -> None:
    cache = listening()
    store(cache, "a", {"t:a"})
    store(cache, "b", {"t:b"})
    store(cache, "page", {"lists", "facets"})
    cache.announce({"t:a", "facets"})
    assert cache.get("a") is None
    assert cache.get("page") is None
    assert cache.get("b") is not None
    cache.announce({"*"})
    assert cache.get("b") is None
    assert len(cache) == 0


def test_nothing_is_served_while_no_listener_hears_other_processes() -> None:
    cache = ResponseCache(seconds=60, max_bytes=2**20)
    assert not cache.enabled
    cache.listening = lambda: True
    assert cache.enabled


def test_entries_expire() -> None:
    cache = listening(seconds=0.05)
    store(cache, "a", {"t:a"})
    assert cache.get("a") is not None
    time.sleep(0.06)
    assert cache.get("a") is None


def test_a_refresh_renews_the_same_answer_and_replaces_a_new_one() -> None:
    """``Cache-Control: no-cache`` stores every answer again: the same version only
    renews the entry's life, a new version replaces its body and size."""
    cache = listening(seconds=0.2)
    cache.put("a", cache.ticket(), frozenset({"t:a"}), b'{"v":1}', "1")
    size = cache.size
    time.sleep(0.15)
    cache.put("a", cache.ticket(), frozenset({"t:a"}), b'{"v":1}', "1")
    time.sleep(0.1)  # past the first put's lifetime, within the refresh's
    entry = cache.get("a")
    assert entry is not None and entry.body == b'{"v":1}'
    assert cache.size == size and len(cache) == 1
    cache.put("a", cache.ticket(), frozenset({"t:a"}), b'{"v":22}', "2")
    entry = cache.get("a")
    assert entry is not None and (entry.body, entry.etag) == (b'{"v":22}', "2")
    assert cache.size == size + 1 and len(cache) == 1
    cache.announce({"t:a"})
    assert cache.get("a") is None and cache.size == 0


def test_a_flood_of_one_off_queries_keeps_the_answers_people_reuse() -> None:
    """Segmented LRU: entries used twice are protected from a scan of new keys."""
    cache = listening(max_bytes=100 * 400)
    for n in range(20):
        store(cache, f"hot{n}", {"lists"})
        assert cache.get(f"hot{n}") is not None  # a second use protects it
    for n in range(10_000):
        store(cache, f"junk{n}", {"search"})
    assert cache.size <= cache.max_bytes
    assert all(cache.get(f"hot{n}") is not None for n in range(20))


def test_on_a_replica_nothing_read_before_the_fence_is_kept() -> None:
    cache = listening()
    cache.announce({"t:a"}, 1000)
    store(cache, "a", {"t:a"}, read_at=999)
    assert cache.get("a") is None
    store(cache, "a", {"t:a"}, read_at=1000)
    assert cache.get("a") is not None
    store(cache, "b", {"t:b"}, read_at=None)  # read on the primary
    assert cache.get("b") is not None
