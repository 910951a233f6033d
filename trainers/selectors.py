"""Reads of the write model that admin, the command API and the ops API share.

Command handlers read what they lock inside their own transaction; everything
else that reads the write model goes through here (the HackSoft "selectors").
Each raises ``errors.NotFound`` for what does not exist, which every adapter
already maps to its own 404.
"""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet

from trainers import errors
from trainers.models import Branch, Event, GymClass, Specialty, Trainer

M = TypeVar("M", bound=Model)


def trainer_get(trainer_id: UUID, *, branches: frozenset[int] | None = None) -> Trainer:
    """A trainer with its branch; one outside ``branches`` (a branch manager's) is not found."""
    trainers = in_branches(Trainer.objects.select_related("branch"), branches)
    return _one(trainers, "Trainer", trainer_id, pk=trainer_id)


def in_branches(queryset: QuerySet[M], branches: frozenset[int] | None) -> QuerySet[M]:
    """Trainers or classes of ``branches`` (``access.branch_scope``); all when None. A class
    counts for the branch it is held at and for its trainer's."""
    if branches is None:
        return queryset
    if queryset.model is GymClass:
        return queryset.filter(branch_id__in=branches, trainer__branch_id__in=branches)
    return queryset.filter(branch_id__in=branches)


def trainer_exists(trainer_id: UUID) -> bool:
    return Trainer.objects.filter(pk=trainer_id).exists()


def trainer_events(trainer_id: UUID, *, limit: int, before: int | None = None) -> list[Event]:
    """A trainer's history, newest first: its own events and its classes' (``trainer_id``),
    at most ``limit``, older than event ``before``."""
    events = Event.objects.filter(trainer_id=trainer_id)
    if before is not None:
        events = events.filter(id__lt=before)
    return list(events.order_by("-id")[:limit])


def trainer_list(
    *,
    status: str | None = None,
    branch: str | None = None,
    specialty: str | None = None,
    branches: frozenset[int] | None = None,
) -> QuerySet[Trainer]:
    """Trainers, optionally of one status, branch (slug) or specialty (slug), within
    ``branches`` (a branch manager's)."""
    trainers = in_branches(Trainer.objects.all(), branches)
    if status:
        trainers = trainers.filter(status=status)
    if branch:
        trainers = trainers.filter(branch__slug=branch)
    if specialty:
        trainers = trainers.filter(specialties__slug=specialty)
    return trainers


def gym_class_get(class_id: int, *, branches: frozenset[int] | None = None) -> GymClass:
    """A class of the timetable with its branch; outside ``branches``, not found."""
    classes = in_branches(GymClass.objects.select_related("branch"), branches)
    return _one(classes, "Class", class_id, pk=class_id)


def branch_get(slug: str) -> Branch:
    return _one(Branch.objects.all(), "Branch", slug, slug=slug)


def specialty_get(slug: str) -> Specialty:
    return _one(Specialty.objects.all(), "Specialty", slug, slug=slug)


def branch_list() -> QuerySet[Branch]:
    return Branch.objects.all()


def specialty_list() -> QuerySet[Specialty]:
    return Specialty.objects.all()


def _one(queryset: QuerySet[M], entity: str, key: object, **lookup: Any) -> M:
    try:
        return queryset.get(**lookup)
    except ObjectDoesNotExist as exc:
        raise errors.NotFound(entity, key) from exc
