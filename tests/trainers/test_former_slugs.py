"""Former slugs (``trainers_formerslug``): kept by triggers for every writer, projected
into ``read.trainer.former_slugs``, back-filled from the events by migration 0020."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from tests.factories import make_trainer
from trainers.commands import TrainerErase, TrainerUpdateProfile
from trainers.handlers.erasure import trainer_erase
from trainers.handlers.trainer import trainer_update_profile
from trainers.models import Event, FormerSlug, Status, Trainer
from trainers.projection import deferred_projection, read_model_check

pytestmark = pytest.mark.django_db

BACKFILL = importlib.import_module("trainers.migrations.0020_former_slugs").BACKFILL


def former(trainer: Trainer) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT former_slugs FROM read.trainer WHERE id = %s", [trainer.pk])
        row = cursor.fetchone()
    return [] if row is None else list(row[0])


def held() -> dict[str, str]:
    return {f.slug: str(f.trainer_id) for f in FormerSlug.objects.all()}


def test_every_writer_keeps_them_and_the_read_row_follows() -> None:
    ana = make_trainer(slug="ana")
    Trainer.objects.filter(pk=ana.pk).update(slug="ana-2")  # a queryset update, no handler
    assert held() == {"ana": str(ana.pk)}
    assert former(ana) == ["ana"]
    with connection.cursor() as cursor:  # raw SQL
        cursor.execute("UPDATE trainers_trainer SET slug = 'ana-3' WHERE id = %s", [ana.pk])
    assert held() == {"ana": str(ana.pk), "ana-2": str(ana.pk)}
    assert former(ana) == ["ana", "ana-2"]

    bruno = make_trainer(slug="ana")  # a new trainer takes a former slug
    assert held() == {"ana-2": str(ana.pk)}
    assert former(ana) == ["ana-2"]
    assert former(bruno) == []
    assert read_model_check() == []


def test_a_trainer_that_is_not_public_has_no_read_row_and_its_slugs_wait() -> None:
    dora = make_trainer(slug="dora", status=Status.DRAFT)
    Trainer.objects.filter(pk=dora.pk).update(slug="dora-2")
    assert held() == {"dora": str(dora.pk)}
    assert former(dora) == []
    Trainer.objects.filter(pk=dora.pk).update(status=Status.PUBLISHED)
    assert former(dora) == ["dora"]


def test_they_are_kept_while_the_projection_is_deferred() -> None:
    with deferred_projection():
        ana = make_trainer(slug="ana")
        Trainer.objects.filter(pk=ana.pk).update(slug="ana-2")
    assert held() == {"ana": str(ana.pk)}
    assert former(ana) == ["ana"]
    assert read_model_check() == []


def test_erasure_forgets_them() -> None:
    ana = make_trainer(slug="ana-silva")
    trainer_update_profile(TrainerUpdateProfile(ana.pk, slug="coach-ana"))
    assert held() == {"ana-silva": str(ana.pk)}
    trainer_erase(TrainerErase(ana.pk))
    assert held() == {}
    assert read_model_check() == []


def test_migration_0020_back_fills_them_from_the_events() -> None:
    """Changes since 0015, payloads before; the last trainer to name a slug keeps it."""
    ana, bruno = make_trainer(slug="ana"), make_trainer(slug="bruno")
    trainer_update_profile(TrainerUpdateProfile(ana.pk, slug="ana-2"))
    trainer_update_profile(TrainerUpdateProfile(bruno.pk, slug="ana"))
    trainer_update_profile(TrainerUpdateProfile(bruno.pk, slug="bruno-2"))
    trainer_update_profile(TrainerUpdateProfile(ana.pk, slug="ana-3"))
    # An event from before migration 0015: the new slug in its payload, no changes.
    Event.objects.create(
        aggregate_type="trainer",
        aggregate_id=str(ana.pk),
        command="TrainerUpdateProfile",
        payload={"slug": "ana-old"},
        version=1,
    )
    Event.objects.create(  # erased values are not slugs
        aggregate_type="trainer",
        aggregate_id=str(ana.pk),
        command="TrainerUpdateProfile",
        changes={"slug": {"old": "[erased]", "new": "[erased]"}},
        version=1,
    )
    kept = held()
    assert kept == {"ana": str(bruno.pk), "ana-2": str(ana.pk), "bruno": str(bruno.pk)}

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM trainers_formerslug")
        cursor.execute(BACKFILL)
    assert held() == kept | {"ana-old": str(ana.pk)}
    assert former(ana) == ["ana-2", "ana-old"]
    assert read_model_check() == []
