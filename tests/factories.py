"""Small ORM factories for write-model rows: plain functions, unique slugs and emails.

They write through the ORM directly (not the command handlers), so the read
model is kept in step by its triggers alone.
"""

from __future__ import annotations

import itertools
from datetime import date, time
from typing import Any

from trainers.models import Branch, Certification, GymClass, Specialty, Status, Trainer

_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def make_branch(**overrides: Any) -> Branch:
    n = _n()
    fields: dict[str, Any] = {
        "slug": f"branch-{n}",
        "name": f"Branch {n}",
        "city": "Lisbon",
        "timezone": "Europe/Lisbon",
    }
    return Branch.objects.create(**(fields | overrides))


def make_specialty(**overrides: Any) -> Specialty:
    n = _n()
    fields: dict[str, Any] = {"slug": f"specialty-{n}", "name": f"Specialty {n}"}
    return Specialty.objects.create(**(fields | overrides))


def make_trainer(
    *, specialties: tuple[Specialty, ...] | list[Specialty] = (), **overrides: Any
) -> Trainer:
    """A published trainer (pass ``status=`` for another), at a new branch unless given one."""
    n = _n()
    fields: dict[str, Any] = {
        "slug": f"trainer-{n}",
        "first_name": "Alex",
        "last_name": f"Trainer{n}",
        "email": f"trainer{n}@staff.example.com",
        "phone": f"+351 900 000 {n:03d}",
        "date_of_birth": date(1990, 1, 1),
        "hired_on": date(2018, 3, 1),
        "bio": "Coaches people.",
        "internal_notes": f"private note {n}",
        "status": Status.PUBLISHED,
    }
    if "branch" not in overrides:
        fields["branch"] = make_branch()
    trainer = Trainer.objects.create(**(fields | overrides))
    if specialties:
        trainer.specialties.add(*specialties)
    return trainer


def make_certification(trainer: Trainer, **overrides: Any) -> Certification:
    n = _n()
    fields: dict[str, Any] = {
        "name": f"Certificate {n}",
        "issuer": "Fitness Board",
        "issued_on": date(2020, 1, 1),
        "expires_on": None,
    }
    return Certification.objects.create(trainer=trainer, **(fields | overrides))


def make_class(trainer: Trainer, **overrides: Any) -> GymClass:
    n = _n()
    fields: dict[str, Any] = {
        "title": f"Class {n}",
        "branch": trainer.branch,
        "weekday": 1,
        "start_time": time(7, 0),
        "duration_minutes": 60,
        "capacity": 20,
    }
    return GymClass.objects.create(trainer=trainer, **(fields | overrides))
