"""``TrainerOutput`` writes its document out by hand (``trainer_document``): it must be
byte for byte what DRF's own field machinery renders from the same declared fields."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from tests.api.conftest import register
from trainers.api.serializers import TrainerOutput
from trainers.commands import CertificationAdd, SpecialtyCreate
from trainers.handlers import certification_add, specialty_create
from trainers.models import Branch, Status, Trainer


def drf(trainer: Trainer) -> bytes:
    """The document as DRF's generic ``ModelSerializer`` builds it, field by field."""
    generic = serializers.ModelSerializer.to_representation(TrainerOutput(), trainer)
    return bytes(JSONRenderer().render(generic))


def ours(trainer: Trainer) -> bytes:
    return bytes(JSONRenderer().render(TrainerOutput(trainer).data))


def fresh(trainer: Trainer) -> Trainer:
    return Trainer.objects.select_related("branch").get(pk=trainer.pk)


@pytest.mark.django_db
def test_the_written_out_document_is_what_drf_renders(branch: Branch) -> None:
    for slug, name in (("yoga", "Yoga"), ("barre", "Barre"), ("rehab", "Rehab")):
        specialty_create(SpecialtyCreate(slug=slug, name=name))
    plain = register(branch)
    full = register(
        branch,
        date_of_birth=None,
        phone="+351 912 345 678",
        bio="Strength & mobility <3",
        internal_notes="Prefers mornings.",
        specialties=("yoga", "rehab", "barre"),
    )
    for issued, expires, cert in (
        (date(2019, 1, 2), None, "RYT-200"),
        (date(2021, 6, 30), date(2026, 6, 30), "CPR"),
        (date(2021, 6, 30), None, "Barre Basics"),
    ):
        certification_add(CertificationAdd(full.pk, cert, "Alliance", issued, expires))
    Trainer.objects.filter(pk=full.pk).update(
        photo={"url": "/media/p/x-640.jpg", "width": 640, "height": 480, "renditions": []}
    )
    cases = [plain, fresh(plain), fresh(full)]
    prefetched = Trainer.objects.prefetch_related("specialties", "certifications").get(pk=full.pk)
    cases.append(prefetched)
    in_memory = fresh(plain)
    in_memory.status = Status.PUBLISHED  # an enum member, as a handler leaves it
    cases.append(in_memory)
    for trainer in cases:
        assert ours(trainer) == drf(trainer)
    document = TrainerOutput(fresh(full)).data
    assert document["specialties"] == ["barre", "rehab", "yoga"]  # by name, as the model orders
    assert [c["name"] for c in document["certifications"]] == ["Barre Basics", "CPR", "RYT-200"]
    assert document["date_of_birth"] is None and document["photo"]["width"] == 640
    assert document["created_at"].endswith("Z")


@pytest.mark.django_db
def test_the_document_costs_one_query_beyond_the_trainer(
    branch: Branch, django_assert_num_queries: Any
) -> None:
    """Its specialties, certifications and branch slug in one statement, whether or not
    the branch came with the trainer (after a PATCH it does not)."""
    trainer = fresh(register(branch))
    with django_assert_num_queries(1):
        document = TrainerOutput(trainer).data
    assert document["branch"] == branch.slug
    bare = Trainer.objects.get(pk=trainer.pk)
    with django_assert_num_queries(1):
        assert TrainerOutput(bare).data == document
