"""ETag on every 200, 304 for a current ``If-None-Match``, a new ETag after a write."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.readapi.conftest import Gym
from trainers.models import Branch, Specialty, Trainer

PATHS = [
    "/query/trainers",
    "/query/trainers?q=ana",
    "/query/trainers/{ana}",
    "/query/branches",
    "/query/specialties",
    "/query/timetable",
    "/query/timetable?branch=downtown&weekday=1",
]


@pytest.mark.parametrize("path", PATHS)
def test_etag_and_not_modified(app_client: TestClient, gym: Gym, path: str) -> None:
    url = path.format(ana=gym.ana.pk)
    first = app_client.get(url)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('"') and etag.endswith('"')
    # Without a purger, shared caches revalidate like browsers (readapi/edge.py).
    assert first.headers["cache-control"].startswith("public, no-cache")
    assert app_client.get(url).headers["etag"] == etag

    for header in (etag, f'"other", {etag}', f"W/{etag}", "*"):
        again = app_client.get(url, headers={"If-None-Match": header})
        assert again.status_code == 304, header
        assert again.content == b""
        assert again.headers["etag"] == etag
    assert app_client.get(url, headers={"If-None-Match": '"stale"'}).status_code == 200


@pytest.mark.parametrize("path", PATHS)
def test_a_public_change_gives_a_new_etag(app_client: TestClient, gym: Gym, path: str) -> None:
    url = path.format(ana=gym.ana.pk)
    etag = app_client.get(url).headers["etag"]
    Trainer.objects.filter(pk=gym.ana.pk).update(last_name="Santos")
    Branch.objects.filter(pk=gym.downtown.pk).update(name="Central")
    Specialty.objects.filter(pk=gym.yoga.pk).update(name="Hatha")
    response = app_client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200
    assert response.headers["etag"] != etag


def test_a_private_change_keeps_the_etag(app_client: TestClient, gym: Gym) -> None:
    url = f"/query/trainers/{gym.ana.pk}"
    etag = app_client.get(url).headers["etag"]
    Trainer.objects.filter(pk=gym.ana.pk).update(email="ana.new@staff.example.com")
    assert app_client.get(url, headers={"If-None-Match": etag}).status_code == 304
