"""Trainer photos: renditions made at upload, bad input refused, storage kept exact."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, transaction
from PIL import Image

from tests.images import (
    CAMERA_SERIAL,
    GPS_IFD,
    animated_webp,
    phone_jpeg,
    phone_mpo,
    photo,
    png_claiming,
    stored,
)
from tests.trainers.conftest import events_of
from trainers import commands as c
from trainers import errors
from trainers.handlers import (
    certification_add,
    trainer_change_status,
    trainer_delete,
    trainer_erase,
    trainer_remove_photo,
    trainer_set_photo,
)
from trainers.models import Trainer
from trainers.photos.renditions import render

pytestmark = pytest.mark.django_db


def set_photo(trainer: Trainer, content: bytes, **kwargs: Any) -> Trainer:
    return trainer_set_photo(c.TrainerSetPhoto(trainer.pk, content, **kwargs))


def opened(root: Path, name: str) -> Image.Image:
    return Image.open(root / name)


class TestRenditions:
    def test_widths_never_upscaled_webp_each_and_one_jpeg(self) -> None:
        result = render(photo(700, 350))
        assert [(r.width, r.height) for r in result.webp] == [
            (160, 80),
            (320, 160),
            (640, 320),
            (700, 350),
        ]
        assert (result.jpeg.width, result.jpeg.height, result.jpeg.extension) == (700, 350, "jpg")
        assert {r.extension for r in result.webp} == {"webp"}

    def test_a_large_photo_stops_at_1024(self) -> None:
        assert [r.width for r in render(photo(2000, 1000)).webp] == [160, 320, 640, 1024]
        large = render(photo(3000, 2400))  # decoded at half size, still wider than 1024
        assert [(r.width, r.height) for r in large.webp][-1] == (1024, 819)
        assert (large.jpeg.width, large.jpeg.height) == (1024, 819)

    def test_names_change_with_the_content(self) -> None:
        first, second = render(photo(300, 200)), render(photo(300, 201))
        assert first.jpeg.name("t") != second.jpeg.name("t")
        assert render(photo(300, 200)).jpeg.name("t") == first.jpeg.name("t")

    def test_orientation_applied_then_every_metadata_stripped(self) -> None:
        result = render(phone_jpeg(400, 300))
        for rendition in (*result.webp, result.jpeg):
            image = Image.open(io.BytesIO(rendition.content))
            assert image.height > image.width  # turned upright: 300 x 400
            exif = image.getexif()
            assert len(exif) == 0 and not exif.get_ifd(GPS_IFD)
            assert not {"exif", "icc_profile", "xmp"} & set(image.info)
            assert b"SERIAL-12345" not in rendition.content
        top = Image.open(io.BytesIO(result.jpeg.content)).convert("RGB")
        red_top = top.getpixel((top.width // 2, 5))
        assert isinstance(red_top, tuple) and red_top[0] > 150  # rotated clockwise: red on top
        assert CAMERA_SERIAL  # the serial was really written into the source
        assert b"SERIAL-12345" in phone_jpeg()

    def test_a_phone_jpeg_with_a_second_picture_is_its_first_picture(self) -> None:
        """Pillow names it MPO and counts two frames: still a JPEG, not an animation."""
        source = Image.open(io.BytesIO(phone_mpo(400, 300)))
        assert (source.format, getattr(source, "n_frames", 1)) == ("MPO", 2)
        result = render(phone_mpo(400, 300))
        assert (result.jpeg.width, result.jpeg.height) == (300, 400)  # upright, full size
        image = Image.open(io.BytesIO(result.jpeg.content))
        assert image.format == "JPEG" and len(image.getexif()) == 0
        assert b"SERIAL-12345" not in result.jpeg.content
        pixel = image.convert("RGB").getpixel((150, 5))
        assert isinstance(pixel, tuple) and pixel[0] > 150  # the photo, not the grey map

    def test_colour_profile_converted_to_srgb_and_dropped(self) -> None:
        from PIL import ImageCms

        srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
        result = render(photo(200, 100, icc_profile=srgb))
        image = Image.open(io.BytesIO(result.jpeg.content))
        assert "icc_profile" not in image.info and image.mode == "RGB"
        left = image.getpixel((10, 50))
        assert isinstance(left, tuple) and left[0] > 150 and left[2] < 90

    @pytest.mark.parametrize(
        ("image", "expected"),
        [
            (Image.new("I;16", (200, 100), 32768), (128, 128, 128)),  # 16-bit grey, scaled
            (Image.new("CMYK", (200, 100), (0, 255, 255, 0)), (254, 0, 0)),
            (Image.new("L", (200, 100), 90), (90, 90, 90)),
        ],
        ids=["16-bit", "cmyk", "grey"],
    )
    def test_other_modes_become_rgb(
        self, image: Image.Image, expected: tuple[int, int, int]
    ) -> None:
        fmt = "PNG" if image.mode == "I;16" else "JPEG"
        result = render(_bytes(image, fmt))
        pixel = Image.open(io.BytesIO(result.jpeg.content)).getpixel((10, 10))
        assert isinstance(pixel, tuple)
        assert all(abs(a - b) <= 3 for a, b in zip(pixel, expected, strict=True))

    def test_transparency_flattened_onto_white(self) -> None:
        image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
        result = render(_bytes(image, "PNG"))
        pixel = Image.open(io.BytesIO(result.jpeg.content)).convert("RGB").getpixel((10, 10))
        assert isinstance(pixel, tuple) and min(pixel) > 240


def _bytes(image: Image.Image, fmt: str, **options: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


BAD_PHOTOS = [
    pytest.param(b"<html><script>alert(1)</script></html>", errors.PHOTO_NOT_IMAGE, id="html"),
    pytest.param(b"", errors.PHOTO_NOT_IMAGE, id="empty"),
    pytest.param(photo(fmt="GIF"), "GIF photos are not accepted", id="gif"),
    pytest.param(photo(fmt="BMP"), "BMP photos are not accepted", id="bmp-named-jpg"),
    pytest.param(photo(fmt="TIFF"), "TIFF photos are not accepted", id="tiff"),
    pytest.param(animated_webp(), errors.PHOTO_ANIMATED, id="animated"),
    pytest.param(photo(fmt="PNG")[:-200], errors.PHOTO_TRUNCATED, id="truncated"),
    pytest.param(photo(800, 600)[:2000], errors.PHOTO_TRUNCATED, id="truncated-jpeg"),
    pytest.param(png_claiming(9000, 9000), "the limit is", id="decompression-bomb"),
    pytest.param(png_claiming(30000, 30000), "the limit is", id="bomb-past-pillow"),
]


class TestBadInput:
    @pytest.mark.parametrize(("content", "message"), BAD_PHOTOS)
    def test_refused_naming_photo_and_nothing_changes(
        self, trainer: Trainer, media_root: Path, content: bytes, message: str
    ) -> None:
        before = set_photo(trainer, photo())
        files, events = stored(media_root), len(events_of(trainer.pk))
        with pytest.raises(errors.InvalidInput) as caught:
            set_photo(trainer, content)
        assert caught.value.errors.keys() == {"photo"}
        assert message in caught.value.message
        after = Trainer.objects.get(pk=trainer.pk)
        assert (after.version, after.photo) == (before.version, before.photo)
        assert stored(media_root) == files and len(events_of(trainer.pk)) == events

    def test_over_the_size_limit(self, trainer: Trainer, media_root: Path, settings: Any) -> None:
        settings.PHOTO_MAX_BYTES = 1000
        with pytest.raises(errors.PhotoTooLarge) as caught:
            set_photo(trainer, photo())
        assert caught.value.field == "photo" and "1000 bytes" in caught.value.message
        assert stored(media_root) == set()
        assert Trainer.objects.get(pk=trainer.pk).version == trainer.version

    def test_pixel_limit_is_ours(self, trainer: Trainer, media_root: Path, settings: Any) -> None:
        settings.PHOTO_MAX_PIXELS = 100 * 100
        with pytest.raises(errors.InvalidInput, match="101x100 pixels"):
            set_photo(trainer, photo(101, 100))
        assert stored(media_root) == set()

    def test_stale_version_writes_no_file(self, trainer: Trainer, media_root: Path) -> None:
        with pytest.raises(errors.VersionConflict):
            set_photo(trainer, photo(), expected_version=trainer.version + 1)
        assert stored(media_root) == set()


class TestStorage:
    def test_set_writes_renditions_and_an_event(self, trainer: Trainer, media_root: Path) -> None:
        updated = set_photo(trainer, photo(500, 400), expected_version=trainer.version)
        assert updated.version == trainer.version + 1
        assert updated.photo is not None
        names = set(updated.photo["files"])
        assert stored(media_root) == names and len(names) == 4  # 3 WebP widths, 1 JPEG
        assert all(n.startswith(f"trainers/{trainer.pk}/") for n in names)
        assert updated.photo["url"].startswith(f"/media/trainers/{trainer.pk}/")
        assert [r["width"] for r in updated.photo["renditions"]] == [160, 320, 500]
        event = events_of(trainer.pk)[-1]
        assert event.command == "TrainerSetPhoto" and event.version == updated.version
        assert event.payload["photo"]["files"] == updated.photo["files"]

    def test_replace_deletes_the_old_files_after_commit(
        self, trainer: Trainer, media_root: Path, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            first = set(set_photo(trainer, photo(300, 200)).photo["files"])  # type: ignore[index]
        with django_capture_on_commit_callbacks(execute=False) as pending:
            second = set(set_photo(trainer, photo(300, 250)).photo["files"])  # type: ignore[index]
            assert stored(media_root) == first | second  # until commit, both
        for callback in pending:
            callback()
        assert stored(media_root) == second

    def test_same_photo_again_keeps_its_files(
        self, trainer: Trainer, media_root: Path, django_capture_on_commit_callbacks: Any
    ) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            first = set_photo(trainer, photo()).photo
            again = set_photo(trainer, photo()).photo
        assert first == again and stored(media_root) == set(first["files"])  # type: ignore[index]

    def test_remove_deletes_files_after_commit(
        self, trainer: Trainer, media_root: Path, django_capture_on_commit_callbacks: Any
    ) -> None:
        set_photo(trainer, photo())
        with django_capture_on_commit_callbacks(execute=True):
            removed = trainer_remove_photo(c.TrainerRemovePhoto(trainer.pk))
        assert removed.photo is None and stored(media_root) == set()
        assert events_of(trainer.pk)[-1].command == "TrainerRemovePhoto"
        again = trainer_remove_photo(c.TrainerRemovePhoto(trainer.pk))
        assert again.version == removed.version  # nothing to remove: no new version

    @pytest.mark.parametrize(
        "end",
        [
            lambda pk: trainer_delete(c.TrainerDelete(pk)),
            # A data-protection erasure: no copy of the person's photo stays served.
            lambda pk: trainer_erase(c.TrainerErase(pk)),
        ],
        ids=["delete", "erase"],
    )
    def test_a_trainer_that_goes_takes_its_files_after_commit(
        self,
        trainer: Trainer,
        media_root: Path,
        django_capture_on_commit_callbacks: Any,
        end: Callable[[Any], object],
    ) -> None:
        set_photo(trainer, photo())
        with django_capture_on_commit_callbacks(execute=True):
            end(trainer.pk)
        assert stored(media_root) == set()

    def test_rollback_after_the_files_were_written_leaves_none(
        self, trainer: Trainer, media_root: Path
    ) -> None:
        """The admin's save: a later command of the same transaction refused."""
        before = set_photo(trainer, photo(300, 200))
        kept = stored(media_root)
        with pytest.raises(errors.InvalidInput), transaction.atomic():
            set_photo(trainer, photo(300, 260))
            assert len(stored(media_root)) == 6
            certification_add(
                c.CertificationAdd(trainer.pk, "X", "Y", before.hired_on, before.hired_on)
            )
        assert stored(media_root) == kept
        assert Trainer.objects.get(pk=trainer.pk).photo == before.photo


class TestReadModel:
    def test_check_finds_no_difference_and_a_bypass_write_is_projected(
        self, trainer: Trainer, media_root: Path
    ) -> None:
        """The read document derives its photo from the write model: rebuild and check agree."""
        trainer_change_status(c.TrainerPublish(trainer.pk))
        updated = set_photo(trainer, photo(700, 500))
        assert updated.photo is not None
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM read.check()")
            assert cursor.fetchone() == (0,)
            cursor.execute("SELECT item -> 'photo' FROM read.trainer WHERE id = %s", [trainer.pk])
            document = json.loads(cursor.fetchone()[0])
        assert document["url"] == updated.photo["url"]
        assert document["srcset"] == ", ".join(
            f"{r['url']} {r['width']}w" for r in updated.photo["renditions"]
        )
        Trainer.objects.filter(pk=trainer.pk).update(photo=None)  # a write past the handlers
        with connection.cursor() as cursor:
            cursor.execute("SELECT item -> 'photo' FROM read.trainer WHERE id = %s", [trainer.pk])
            assert cursor.fetchone() == ("null",)  # the key is there, null
            cursor.execute("SELECT count(*) FROM read.check()")
            assert cursor.fetchone() == (0,)
