"""Bulk import: many trainers, their certifications and classes in one transaction.

The same rules as one-by-one registration, checked in memory where a per-row
query would cost too much (slugs, class overlaps), with the database
constraints as the backstop. One event per imported trainer.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError

from trainers import errors
from trainers.commands import TrainerImport, TrainerRegister
from trainers.cqrs import SYSTEM, Actor
from trainers.handlers._base import command_transaction, to_json
from trainers.handlers.gym_class import _minutes
from trainers.handlers.trainer import build_trainer, unique_slug
from trainers.models import (
    Branch,
    Certification,
    Event,
    GymClass,
    Specialty,
    Status,
    Trainer,
)

BATCH = 2000


def trainer_import(command: TrainerImport, *, actor: Actor = SYSTEM) -> list[Trainer]:
    with command_transaction():
        branches = {b.slug: b for b in Branch.objects.all()}
        specialties = {s.slug: s for s in Specialty.objects.all()}
        taken = set(Trainer.objects.values_list("slug", flat=True))
        trainers = [_trainer(i, row, branches, taken) for i, row in enumerate(command.trainers)]
        if command.publish:
            for trainer in trainers:
                trainer.status = Status.PUBLISHED
        Trainer.objects.bulk_create(trainers, batch_size=BATCH)

        links = []
        for i, row in enumerate(command.trainers):
            for slug in row.specialties:
                if slug not in specialties:
                    raise _invalid(
                        i,
                        "specialties",
                        errors.UNKNOWN_REFERENCE.format(entity="specialty", key=slug),
                    )
                links.append(
                    Trainer.specialties.through(
                        trainer_id=trainers[i].pk, specialty_id=specialties[slug].pk
                    )
                )
        Trainer.specialties.through.objects.bulk_create(links, batch_size=BATCH)

        certifications = []
        for i, cert in command.certifications:
            certification = Certification(
                trainer=trainers[i],
                name=cert.name,
                issuer=cert.issuer,
                issued_on=cert.issued_on,
                expires_on=cert.expires_on,
            )
            if cert.expires_on is not None and cert.expires_on <= cert.issued_on:
                raise _invalid(i, "expires_on", errors.CERTIFICATION_DATES)
            certifications.append(certification)
        Certification.objects.bulk_create(certifications, batch_size=BATCH)

        GymClass.objects.bulk_create(_classes(command, trainers, branches), batch_size=BATCH)

        Event.objects.bulk_create(
            [
                Event(
                    aggregate_type="trainer",
                    aggregate_id=str(trainer.pk),
                    command=type(command).__name__,
                    payload={**to_json(row), "status": trainer.status},
                    version=1,
                    actor_id=actor.user_id,
                    actor_name=actor.name,
                )
                for trainer, row in zip(trainers, command.trainers, strict=True)
            ],
            batch_size=BATCH,
        )
    return trainers


def _trainer(i: int, row: TrainerRegister, branches: dict[str, Branch], taken: set[str]) -> Trainer:
    if row.branch not in branches:
        raise _invalid(
            i, "branch", errors.UNKNOWN_REFERENCE.format(entity="branch", key=row.branch)
        )
    trainer = build_trainer(row, branch=branches[row.branch], slug=row.slug or "-")
    if row.slug is None:
        trainer.slug = unique_slug(f"{row.first_name} {row.last_name}", taken)
    try:
        # Uniqueness is left to the database constraints: one query per row would dominate.
        trainer.full_clean(
            exclude=["specialties"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise _invalid(i, field, str(messages[0])) from exc
    return trainer


def _classes(
    command: TrainerImport, trainers: list[Trainer], branches: dict[str, Branch]
) -> list[GymClass]:
    classes = []
    busy: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for i, schedule in command.classes:
        if schedule.branch not in branches:
            raise _invalid(
                i, "branch", errors.UNKNOWN_REFERENCE.format(entity="branch", key=schedule.branch)
            )
        start = _minutes(schedule.start_time)
        end = start + schedule.duration_minutes
        slots = busy[(i, schedule.weekday)]
        if any(start < e and s < end for s, e in slots):
            raise _invalid(i, "start_time", "Two imported classes of one trainer overlap.")
        slots.append((start, end))
        classes.append(
            GymClass(
                title=schedule.title,
                branch=branches[schedule.branch],
                trainer=trainers[i],
                weekday=schedule.weekday,
                start_time=schedule.start_time,
                duration_minutes=schedule.duration_minutes,
                capacity=schedule.capacity,
                version=1,
            )
        )
    return classes


def _invalid(i: int, field: str, message: str) -> errors.InvalidInput:
    return errors.InvalidInput({f"trainers[{i}].{field}": [message]})
