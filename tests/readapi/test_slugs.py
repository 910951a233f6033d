"""``GET /query/trainers/{slug}``: a current slug answers, a former one redirects to it.

The slugs change through the command handlers, committed, and are read through the
composed app (its own pool, its slug map and response cache).
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from fastapi.testclient import TestClient

from tests.readapi.conftest import Gym
from trainers.commands import TrainerPublish, TrainerUnpublish, TrainerUpdateProfile
from trainers.handlers.status import trainer_change_status
from trainers.handlers.trainer import trainer_update_profile
from trainers.models import FormerSlug, Trainer

NOT_FOUND = "No public trainer has this id or slug."


def rename(trainer: Trainer, slug: str) -> None:
    trainer_update_profile(TrainerUpdateProfile(trainer.pk, slug=slug))


def redirect_of(client: TestClient, path: str) -> str:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 301, (path, response.status_code, response.text)
    assert response.content == b""
    return response.headers["location"]


def status_of(client: TestClient, slug: str) -> int:
    return client.get(f"/query/trainers/{slug}", follow_redirects=False).status_code


def move_ana(client: TestClient, gym: Gym) -> str:
    """Ana's slug becomes ``ana-the-coach``; her old one, now redirecting, is returned."""
    old = gym.ana.slug
    rename(gym.ana, "ana-the-coach")
    assert status_of(client, old) == 301
    return old


def test_a_former_slug_answers_301_to_the_current_one_with_the_query_string(
    app_client: TestClient, gym: Gym
) -> None:
    old = gym.ana.slug
    assert status_of(app_client, old) == 200  # remembered now as current
    rename(gym.ana, "ana-the-coach")

    new = app_client.get("/query/trainers/ana-the-coach")
    assert new.status_code == 200
    assert new.json()["id"] == str(gym.ana.pk)
    assert redirect_of(app_client, f"/query/trainers/{old}") == "/query/trainers/ana-the-coach"
    assert (
        redirect_of(app_client, f"/query/trainers/{old}?x=1&y=a%20b")
        == "/query/trainers/ana-the-coach?x=1&y=a%20b"
    )
    followed = app_client.get(f"/query/trainers/{old}?x=1")
    assert followed.status_code == 200
    assert followed.content == new.content
    assert FormerSlug.objects.get(slug=old).trainer_id == gym.ana.pk


def test_the_redirect_is_cacheable_keyed_by_the_trainer_and_readable_cross_origin(
    app_client: TestClient, gym: Gym
) -> None:
    old = gym.ana.slug
    rename(gym.ana, "ana-the-coach")
    profile = app_client.get("/query/trainers/ana-the-coach")
    moved = app_client.get(
        f"/query/trainers/{old}", headers={"Origin": "https://gym.example"}, follow_redirects=False
    )
    assert moved.status_code == 301
    assert moved.headers["cache-control"] == profile.headers["cache-control"]
    assert moved.headers["surrogate-key"] == moved.headers["xkey"] == f"t:{gym.ana.pk}"
    assert moved.headers["access-control-allow-origin"] == "*"
    head = app_client.head(f"/query/trainers/{old}", follow_redirects=False)
    assert head.status_code == 301
    assert head.content == b""
    for header in ("location", "cache-control", "surrogate-key", "xkey"):
        assert head.headers[header] == moved.headers[header], header


def test_a_former_slug_taken_by_another_trainer_leads_to_that_trainer(
    app_client: TestClient, gym: Gym
) -> None:
    old = gym.ana.slug
    rename(gym.ana, "ana-the-coach")
    assert redirect_of(app_client, f"/query/trainers/{old}").endswith("/ana-the-coach")

    rename(gym.bruno, old)  # remembered as Ana's former slug: the map must let go

    taken = app_client.get(f"/query/trainers/{old}", follow_redirects=False)
    assert taken.status_code == 200
    assert taken.json()["id"] == str(gym.bruno.pk)
    # Bruno's own former slug redirects to him; the one he took is nobody's former slug.
    assert FormerSlug.objects.filter(slug=old).count() == 0
    bruno_before = FormerSlug.objects.get(trainer=gym.bruno).slug
    assert redirect_of(app_client, f"/query/trainers/{bruno_before}") == f"/query/trainers/{old}"

    rename(gym.bruno, "bruno-costa-2")  # Bruno lets it go again: his former slug now
    assert redirect_of(app_client, f"/query/trainers/{old}") == "/query/trainers/bruno-costa-2"


def test_changing_back_to_an_old_slug(app_client: TestClient, gym: Gym) -> None:
    old = move_ana(app_client, gym)
    rename(gym.ana, old)

    assert status_of(app_client, old) == 200
    assert redirect_of(app_client, "/query/trainers/ana-the-coach") == f"/query/trainers/{old}"
    assert list(FormerSlug.objects.values_list("slug", flat=True)) == ["ana-the-coach"]


def test_a_trainer_who_is_not_public_answers_404_by_any_slug(
    app_client: TestClient, gym: Gym
) -> None:
    old = move_ana(app_client, gym)
    trainer_change_status(TrainerUnpublish(gym.ana.pk))

    for slug in (old, "ana-the-coach"):
        missing = app_client.get(f"/query/trainers/{slug}", follow_redirects=False)
        assert missing.status_code == 404, slug
        assert missing.headers["content-type"] == "application/problem+json"
        assert missing.json()["detail"] == NOT_FOUND
    # A draft's former slugs are hidden with it, not forgotten.
    trainer_change_status(TrainerPublish(gym.ana.pk))
    assert status_of(app_client, old) == 301


def test_a_draft_holding_a_former_slug_hides_it(app_client: TestClient, gym: Gym) -> None:
    """A current slug wins even when its holder is not public: the redirect stops."""
    old = move_ana(app_client, gym)
    rename(gym.draft, old)
    assert status_of(app_client, old) == 404


def test_the_read_model_rebuilds_and_checks_clean_after_slug_changes(
    app_client: TestClient, gym: Gym
) -> None:
    old = gym.ana.slug
    rename(gym.ana, "ana-the-coach")
    rename(gym.bruno, old)
    rename(gym.carla, "carla-on-leave")
    call_command("check_read_model", stdout=StringIO())  # exits 1 on any difference
    call_command("rebuild_read_model", stdout=StringIO())
    call_command("check_read_model", stdout=StringIO())
    assert status_of(app_client, "ana-the-coach") == 200
    assert status_of(app_client, old) == 200
    assert redirect_of(app_client, f"/query/trainers/{gym.carla.slug}").endswith("/carla-on-leave")


@pytest.mark.parametrize("slug", ["nobody-here", "bad%20slug", "x" * 200])
def test_unknown_slugs_are_404(app_client: TestClient, gym: Gym, slug: str) -> None:
    rename(gym.ana, "ana-the-coach")
    response = app_client.get(f"/query/trainers/{slug}", follow_redirects=False)
    assert response.status_code == 404
    assert response.json()["detail"] == NOT_FOUND


def test_the_profile_page_at_a_former_slug_redirects_like_the_json(
    app_client: TestClient, gym: Gym
) -> None:
    old = gym.ana.slug
    rename(gym.ana, "ana-the-coach")

    assert redirect_of(app_client, f"/trainers/{old}") == "/trainers/ana-the-coach"
    assert redirect_of(app_client, f"/trainers/{old}?from=mail") == (
        "/trainers/ana-the-coach?from=mail"
    )
    page = app_client.get(f"/trainers/{old}")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert app_client.get("/trainers/nobody-had-this").status_code == 404
