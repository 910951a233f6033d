"""The trainer page's photo: upload with a preview, a thumbnail in the list, remove, errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.admin.helpers import events, form_data
from tests.images import photo, stored
from trainers.models import Branch, Trainer

LIST = "/admin/trainers/trainer/"
ADD = "/admin/trainers/trainer/add/"


def change_url(trainer: Trainer) -> str:
    return f"/admin/trainers/trainer/{trainer.pk}/change/"


def upload(content: bytes, name: str = "portrait.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/jpeg")


def test_upload_shows_a_preview_and_a_list_thumbnail(
    admin_client: Client, trainer: Trainer, media_root: Path
) -> None:
    data = form_data(admin_client.get(change_url(trainer)))
    response = admin_client.post(change_url(trainer), {**data, "upload_photo": upload(photo())})
    assert response.status_code == 302, response.content.decode()[:2000]
    trainer.refresh_from_db()
    assert trainer.photo is not None and trainer.version == 2
    assert [e.command for e in events(trainer.pk)][-1] == "TrainerSetPhoto"
    assert stored(media_root) == set(trainer.photo["files"])

    page = admin_client.get(change_url(trainer)).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert trainer.photo["renditions"][1]["url"] in page  # the preview, 320 for 160 CSS px
    listing = admin_client.get(LIST).content.decode()
    assert f'src="{trainer.photo["renditions"][0]["url"]}"' in listing  # the 160 thumbnail


def test_a_bad_upload_is_shown_beside_the_field_and_saves_nothing(
    admin_client: Client, trainer: Trainer, media_root: Path
) -> None:
    data = form_data(admin_client.get(change_url(trainer)))
    data.update(bio="Changed in the same save.")
    fake = upload(b"<html><body>not a picture</body></html>")
    response = admin_client.post(change_url(trainer), {**data, "upload_photo": fake})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "not an image" in form.errors["upload_photo"][0]
    fresh = Trainer.objects.get(pk=trainer.pk)
    assert (fresh.bio, fresh.photo, fresh.version) == (trainer.bio, None, trainer.version)
    assert stored(media_root) == set()


def test_an_oversized_upload_is_shown_beside_the_field(
    admin_client: Client, trainer: Trainer, media_root: Path, settings: Any
) -> None:
    settings.PHOTO_MAX_BYTES = 1000
    data = form_data(admin_client.get(change_url(trainer)))
    response = admin_client.post(change_url(trainer), {**data, "upload_photo": upload(photo())})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["upload_photo"] == ["The photo is larger than 1000 bytes."]
    fresh = Trainer.objects.get(pk=trainer.pk)
    assert (fresh.photo, fresh.version) == (None, trainer.version)
    assert stored(media_root) == set()


def test_a_refused_inline_row_after_the_upload_leaves_no_file(
    admin_client: Client, trainer: Trainer, media_root: Path
) -> None:
    """The photo's files were written, then a certification row was refused: all undone."""
    data = form_data(admin_client.get(change_url(trainer)))
    data.update(
        {
            "certifications-0-name": "First aid",
            "certifications-0-issuer": "Red Cross",
            "certifications-0-issued_on": "2020-06-01",
            "certifications-0-expires_on": "2020-06-01",
        }
    )
    response = admin_client.post(change_url(trainer), {**data, "upload_photo": upload(photo())})
    assert response.status_code == 200
    fresh = Trainer.objects.get(pk=trainer.pk)
    assert (fresh.photo, fresh.version) == (None, trainer.version)
    assert stored(media_root) == set()


def test_remove(admin_client: Client, trainer: Trainer, media_root: Path) -> None:
    data = form_data(admin_client.get(change_url(trainer)))
    admin_client.post(change_url(trainer), {**data, "upload_photo": upload(photo())})
    data = form_data(admin_client.get(change_url(trainer)))
    response = admin_client.post(change_url(trainer), {**data, "remove_photo": "on"})
    assert response.status_code == 302
    assert Trainer.objects.get(pk=trainer.pk).photo is None
    assert "No uploaded photo." in admin_client.get(change_url(trainer)).content.decode()


def test_add_a_trainer_with_a_photo(admin_client: Client, branch: Branch, media_root: Path) -> None:
    data = form_data(admin_client.get(ADD))
    data.update(first_name="Mia", last_name="Roe", email="mia@gym.test", hired_on="2022-01-03")
    data.update(branch=str(branch.pk), position="trainer", shift="morning")
    response = admin_client.post(ADD, {**data, "upload_photo": upload(photo(640, 480))})
    assert response.status_code == 302, response.content.decode()[:2000]
    trainer = Trainer.objects.get(email="mia@gym.test")
    assert trainer.photo is not None and trainer.version == 2
    assert [e.command for e in events(trainer.pk)] == ["TrainerRegister", "TrainerSetPhoto"]
