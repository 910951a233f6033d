"""PUT and DELETE /api/trainers/{id}/photo/: multipart upload, errors naming ``photo``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from tests.api.conftest import make_user, token_client
from tests.images import animated_webp, photo, png_claiming, stored
from trainers.models import Event, Trainer

pytestmark = pytest.mark.django_db


def url(trainer: Trainer) -> str:
    return f"/api/trainers/{trainer.pk}/photo/"


def upload(
    api: APIClient, trainer: Trainer, content: bytes, name: str = "me.jpg", **headers: Any
) -> Any:
    file = SimpleUploadedFile(name, content, content_type="image/jpeg")
    return api.put(url(trainer), {"photo": file}, format="multipart", headers=headers)


def test_upload_returns_the_trainer_with_its_photo(
    api: APIClient, trainer: Trainer, media_root: Path
) -> None:
    response = upload(api, trainer, photo(800, 600), **{"If-Match": f'"{trainer.version}"'})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == trainer.version + 1
    assert response["ETag"] == f'"{trainer.version + 1}"'
    assert [r["width"] for r in body["photo"]["renditions"]] == [160, 320, 640, 800]
    assert stored(media_root) == set(body["photo"]["files"])


def test_if_match_stale_is_412_and_writes_nothing(
    api: APIClient, trainer: Trainer, media_root: Path
) -> None:
    response = upload(api, trainer, photo(), **{"If-Match": '"7"'})
    assert response.status_code == 412
    assert stored(media_root) == set()


BAD = [
    pytest.param(
        b"<html><script>alert(1)</script></html>",
        "me.jpg",
        400,
        "not an image",
        id="html-named-jpg",
    ),
    pytest.param(photo(fmt="GIF"), "me.jpg", 400, "GIF photos", id="gif-named-jpg"),
    pytest.param(animated_webp(), "me.webp", 400, "animated", id="animated"),
    pytest.param(photo(800, 600)[:3000], "me.jpg", 400, "damaged", id="truncated"),
    pytest.param(png_claiming(20000, 20000), "me.png", 400, "the limit is", id="bomb"),
    pytest.param(b"", "me.jpg", 400, "empty", id="empty"),
]


@pytest.mark.parametrize(("content", "name", "status", "message"), BAD)
def test_bad_upload_is_a_problem_naming_photo_and_changes_nothing(
    api: APIClient,
    trainer: Trainer,
    media_root: Path,
    content: bytes,
    name: str,
    status: int,
    message: str,
) -> None:
    events = Event.objects.count()
    response = upload(api, trainer, content, name)
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert [e["field"] for e in body["errors"]] == ["photo"]
    assert message in body["errors"][0]["message"]
    assert Trainer.objects.get(pk=trainer.pk).version == trainer.version
    assert Event.objects.count() == events and stored(media_root) == set()


def test_a_photo_whose_name_and_type_lie_is_taken_for_what_it_is(
    api: APIClient, trainer: Trainer, media_root: Path
) -> None:
    """A PNG sent as ``me.jpg``, ``image/jpeg``: its content decides, and it is a photo."""
    response = upload(api, trainer, photo(300, 200, "PNG"), "me.jpg")
    assert response.status_code == 200, response.content
    assert [r["width"] for r in response.json()["photo"]["renditions"]] == [160, 300]


def test_over_the_limit_is_413_naming_photo(
    api: APIClient, trainer: Trainer, media_root: Path, settings: Any
) -> None:
    settings.PHOTO_MAX_BYTES = 2000
    response = upload(api, trainer, photo(800, 600))
    assert response.status_code == 413
    assert response.json()["errors"] == [
        {"field": "photo", "message": "The photo is larger than 2000 bytes."}
    ]
    body = photo(800, 600) * 40  # declared far past the limit: refused unparsed
    response = upload(api, trainer, body)
    assert response.status_code == 413 and response.json()["errors"][0]["field"] == "photo"
    assert Trainer.objects.get(pk=trainer.pk).version == trainer.version
    assert stored(media_root) == set()


def test_missing_field_json_body_and_unknown_trainer(
    api: APIClient, trainer: Trainer, media_root: Path
) -> None:
    response = api.put(url(trainer), {"picture": "x"}, format="multipart")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["picture"]
    response = api.put(url(trainer), {}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "photo", "message": "No file was submitted."}]
    assert api.put(url(trainer), {"photo": "x"}, format="json").status_code == 415
    missing = Trainer(pk="00000000-0000-4000-8000-000000000000")
    assert upload(api, missing, photo()).status_code == 404


def test_delete_removes_the_photo(api: APIClient, trainer: Trainer, media_root: Path) -> None:
    assert upload(api, trainer, photo()).status_code == 200
    response = api.delete(url(trainer))
    assert response.status_code == 204
    assert Trainer.objects.get(pk=trainer.pk).photo is None


def test_needs_change_permission(trainer: Trainer, media_root: Path) -> None:
    viewer = token_client(make_user("view_trainer"))
    assert upload(viewer, trainer, photo()).status_code == 403
    assert viewer.delete(url(trainer)).status_code == 403
    assert upload(APIClient(), trainer, photo()).status_code == 401


def test_documented_in_the_openapi_schema(api: APIClient) -> None:
    schema = api.get("/api/schema/", {"format": "json"}).json()
    operations = schema["paths"]["/api/trainers/{trainer_id}/photo/"]
    ref = operations["put"]["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert body["required"] == ["photo"]
    assert body["properties"]["photo"]["format"] == "binary"
    assert {"200", "400", "412", "413", "415"} <= set(operations["put"]["responses"])
    assert "204" in operations["delete"]["responses"]
