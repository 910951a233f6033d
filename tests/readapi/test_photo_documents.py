"""An uploaded photo in the public documents, and its renditions served at /media/."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from fastapi.testclient import TestClient
from PIL import Image
from rest_framework.authtoken.models import Token

from tests.images import photo
from trainers.models import Trainer

from .conftest import Gym

IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.fixture
def token(transactional_db: None) -> str:
    user = User.objects.create_superuser("photo-admin", "photo@example.com", "pw-for-tests-1")
    return str(Token.objects.create(user=user).key)


def test_uploaded_photo_is_public_with_srcset_and_served_forever(
    app_client: TestClient, gym: Gym, token: str, media_root: Path
) -> None:
    ana: Trainer = gym.ana
    before = app_client.get(f"/query/trainers/{ana.pk}").json()
    assert before["photo"] is None
    response = app_client.put(
        f"/api/trainers/{ana.pk}/photo/",
        files={"photo": ("ana.png", photo(1500, 1000, "PNG"), "image/png")},
        headers={"Authorization": f"Token {token}"},
    )
    assert response.status_code == 200, response.text
    document = app_client.get(f"/query/trainers/{ana.pk}").json()["photo"]
    media = f"/media/trainers/{ana.pk}/"
    assert document["url"].startswith(media) and document["url"].endswith("-1024.jpg")
    assert (document["width"], document["height"]) == (1024, 683)
    assert document["alt"] == "Ana Silva"
    srcset = [part.split(" ") for part in document["srcset"].split(", ")]
    assert [w for _, w in srcset] == ["160w", "320w", "640w", "1024w"]
    assert all(u.startswith(media) and u.endswith(".webp") for u, _ in srcset)
    listed = app_client.get("/query/trainers", params={"q": "Silva"}).json()["items"]
    assert [i["photo"] for i in listed if i["id"] == str(ana.pk)] == [document]
    assert listed[0]["photo_url"] == document["url"]

    for url, content_type in [(document["url"], "image/jpeg"), (srcset[0][0], "image/webp")]:
        served = app_client.get(url)
        assert served.status_code == 200
        assert served.headers["content-type"] == content_type
        assert served.headers["cache-control"] == IMMUTABLE
        assert served.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in served.headers["content-security-policy"]
        assert Image.open(io.BytesIO(served.content)).width in (160, 1024)
        head = app_client.head(url)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == served.headers["content-length"]


@pytest.mark.parametrize(
    "path",
    [
        "/media/../config/settings.py",
        "/media/%2e%2e/%2e%2e/etc/passwd.jpg",
        "/media/trainers/evil.html",
        "/media/trainers/missing.webp",
        "/media/trainers/",
    ],
)
def test_media_serves_only_renditions_inside_its_folder(
    app_client: TestClient, media_root: Path, path: str
) -> None:
    media_root.mkdir(parents=True)
    (media_root / "trainers").mkdir()
    (media_root / "trainers" / "evil.html").write_text("<script>alert(1)</script>")
    response = app_client.get(path)
    assert response.status_code == 404
    assert "script" not in response.text


def test_media_answers_only_get_and_head(app_client: TestClient, media_root: Path) -> None:
    response = app_client.post("/media/trainers/x.jpg")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert response.headers["content-type"] == "application/problem+json"


def test_photo_url_is_marked_deprecated_in_the_openapi_document(app_client: TestClient) -> None:
    spec = app_client.get("/query/openapi.json").json()
    item = spec["components"]["schemas"]["TrainerItem"]["properties"]
    assert item["photo_url"]["deprecated"] is True and "photo" in item
