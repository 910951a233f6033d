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


def trainer_get(trainer_id: UUID) -> Trainer:
    """A trainer with its branch."""
    return _one(Trainer.objects.select_related("branch"), "Trainer", trainer_id, pk=trainer_id)


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
    *, status: str | None = None, branch: str | None = None, specialty: str | None = None
) -> QuerySet[Trainer]:
    """Trainers, optionally of one status, branch (slug) or specialty (slug)."""
    trainers = Trainer.objects.all()
    if status:
        trainers = trainers.filter(status=status)
    if branch:
        trainers = trainers.filter(branch__slug=branch)
    if specialty:
        trainers = trainers.filter(specialties__slug=specialty)
    return trainers


def gym_class_get(class_id: int) -> GymClass:
    """A class of the timetable with its branch."""
    return _one(GymClass.objects.select_related("branch"), "Class", class_id, pk=class_id)


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
