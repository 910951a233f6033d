"""``manage.py seed_demo``: valid, varied, repeatable demo data, written through the handlers."""

from __future__ import annotations

import zoneinfo
from collections import Counter, defaultdict
from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from tests.images import stored
from tests.trainers.conftest import register_command
from trainers import errors
from trainers.commands import TrainerDelete, TrainerImport
from trainers.demo import DemoTrainers, prefetched
from trainers.demo_data import BRANCHES, SPECIALTIES
from trainers.handlers import trainer_delete, trainer_import
from trainers.handlers._base import validate
from trainers.models import Branch, Certification, Event, GymClass, Specialty, Status, Trainer
from trainers.photos.avatars import PALETTE
from trainers.rules import spans_overlap, week_span

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def seed(**options: Any) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def fingerprint() -> list[tuple[Any, ...]]:
    return sorted(
        Trainer.objects.values_list(
            "slug", "email", "first_name", "bio", "hired_on", "status", "branch__slug"
        )
    )


def test_seeds_the_catalog_and_trainers_with_one_event_each() -> None:
    assert "Seeded 40 demo trainers." in seed(trainers=40, seed=1, batch=15)

    assert Branch.objects.count() == len(BRANCHES) >= 8
    assert Specialty.objects.count() == len(SPECIALTIES) >= 15
    assert Trainer.objects.count() == 40
    commands = Counter(Event.objects.values_list("command", flat=True))
    assert commands == {"BranchCreate": 8, "SpecialtyCreate": 15, "TrainerImport": 40}
    assert set(
        Event.objects.filter(command="TrainerImport").values_list("aggregate_id", flat=True)
    ) == {str(pk) for pk in Trainer.objects.values_list("pk", flat=True)}


def test_every_row_passes_the_handlers_validation() -> None:
    seed(trainers=150, seed=2)

    for branch in Branch.objects.all():
        zoneinfo.ZoneInfo(branch.timezone)
    emails = list(Trainer.objects.values_list("email", flat=True))
    assert len(set(emails)) == len(emails)
    for trainer in Trainer.objects.prefetch_related("specialties"):
        validate(trainer, exclude=["specialties"])
        assert 1 <= len(trainer.specialties.all()) <= 4
        assert trainer.hired_on <= date.today()
        assert trainer.bio and trainer.photo_url == ""  # nothing from another host
        assert trainer.photo is not None and trainer.photo["url"].startswith("/media/demo/")
    for certification in Certification.objects.all():
        validate(certification)
    busy: dict[Any, list[tuple[int, int]]] = defaultdict(list)
    for gym_class in GymClass.objects.all():
        validate(gym_class)
        span = week_span(gym_class.weekday, gym_class.start_time, gym_class.duration_minutes)
        assert span[1] <= gym_class.weekday * 24 * 60
        slots = busy[gym_class.trainer_id]
        assert not any(spans_overlap(span, other) for other in slots)
        slots.append(span)
    per_trainer = Counter(Certification.objects.values_list("trainer_id", flat=True))
    assert max(per_trainer.values()) <= 3
    assert max(Counter(GymClass.objects.values_list("trainer_id", flat=True)).values()) <= 4
    assert not GymClass.objects.filter(trainer__status=Status.RETIRED).exists()


def test_the_data_is_varied() -> None:
    seed(trainers=300, seed=3)

    statuses = Counter(Trainer.objects.values_list("status", flat=True))
    assert set(statuses) == set(Status.values)
    assert statuses[Status.PUBLISHED] > 300 / 2
    assert len(set(Trainer.objects.values_list("branch", flat=True))) == len(BRANCHES)
    assert len(set(Trainer.objects.values_list("position", flat=True))) == 4
    assert len(set(Trainer.objects.values_list("shift", flat=True))) == 4
    assert len(set(Trainer.objects.values_list("last_name", flat=True))) > 50
    assert len(set(Trainer.objects.values_list("bio", flat=True))) > 250
    hired = sorted(Trainer.objects.values_list("hired_on", flat=True))
    assert (hired[-1] - hired[0]).days > 10 * 365
    assert Certification.objects.exists()
    assert Certification.objects.filter(expires_on__isnull=True).exists()


def test_if_empty_seeds_once() -> None:
    seed(trainers=10, seed=4, if_empty=True)
    events = Event.objects.count()

    assert "nothing to seed" in seed(trainers=10, seed=4, if_empty=True)

    assert (Trainer.objects.count(), Event.objects.count()) == (10, events)


def test_without_if_empty_it_adds_more_and_keeps_emails_unique() -> None:
    seed(trainers=20, seed=5)
    seed(trainers=20, seed=5)

    assert Trainer.objects.count() == 40
    assert Branch.objects.count() == len(BRANCHES)
    assert Trainer.objects.values("email").distinct().count() == 40
    assert Trainer.objects.values("slug").distinct().count() == 40


def test_the_same_seed_gives_the_same_data() -> None:
    seed(trainers=30, seed=6, batch=7)
    first = fingerprint()
    Trainer.objects.all().delete()  # test cleanup only; the app deletes through handlers

    seed(trainers=30, seed=6, batch=11)

    assert fingerprint() == first


def test_the_generator_is_deterministic_per_seed() -> None:
    today = date(2026, 1, 15)
    one = DemoTrainers(seed=7, today=today).batch(25)
    assert one == DemoTrainers(seed=7, today=today).batch(25)
    assert one != DemoTrainers(seed=8, today=today).batch(25)


def test_quiet_when_verbosity_is_zero() -> None:
    assert seed(trainers=3, seed=9, verbosity=0) == ""


def test_prefetched_keeps_order_and_passes_errors_on() -> None:
    assert list(prefetched(iter(range(50)), depth=3)) == list(range(50))

    def broken() -> Any:
        yield 1
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        list(prefetched(broken()))


def test_avatars_are_drawn_locally_and_shared(
    media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    """A dozen avatars for any number of trainers; deleting a trainer keeps them."""
    seed(trainers=60, seed=5)
    files = stored(media_root)
    assert len(files) == len(PALETTE) * 4 and all(f.startswith("demo/avatars/") for f in files)
    photos = [p for p in Trainer.objects.values_list("photo", flat=True) if p is not None]
    assert len(photos) == 60
    assert len({p["url"] for p in photos}) > len(PALETTE) // 2
    assert all(p["width"] == 480 and p["renditions"][0]["width"] == 160 for p in photos)
    with django_capture_on_commit_callbacks(execute=True):
        trainer_delete(TrainerDelete(Trainer.objects.first().pk))  # type: ignore[union-attr]
    assert all((media_root / f).exists() for f in files)


def test_no_photos() -> None:
    seed(trainers=5, seed=6, no_photos=True)
    assert not Trainer.objects.exclude(photo=None).exists()


def test_an_imported_photo_must_be_shared(branch: Any, yoga: Any) -> None:
    own = {"url": "/media/x.jpg", "width": 1, "height": 1, "renditions": [], "files": []}
    own_files = own | {"files": ["trainers/00000000-0000-4000-8000-000000000000/a.jpg"]}
    for bad in ({"url": "/media/x.jpg"}, own_files):
        with pytest.raises(errors.InvalidInput) as caught:
            trainer_import(TrainerImport(trainers=(register_command(),), photos=((0, bad),)))
        assert caught.value.errors == {"trainers[0].photo": [errors.PHOTO_NOT_SHARED]}
    trainer_import(TrainerImport(trainers=(register_command(),), photos=((0, own),)))
    assert Trainer.objects.get().photo == own
