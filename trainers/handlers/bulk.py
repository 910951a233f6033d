"""Bulk import: many trainers, their certifications and classes in one transaction.

The same rules as one-by-one registration: the model's own field and constraint
rules, run in memory by ``trainers.rules`` (no instance or query per row), and
the handlers' rules (references, unique slugs and emails, class overlaps)
checked for all rows at once, with the database constraints as the backstop.
Rows go in with COPY. One event per imported trainer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

import orjson
from django.db import connection
from django.utils import timezone
from psycopg.types.json import Jsonb

from trainers import errors
from trainers.access import ensure_branches
from trainers.commands import CertificationAdd, GymClassSchedule, TrainerImport, TrainerRegister
from trainers.cqrs import SYSTEM, Actor
from trainers.handlers._base import command_transaction, to_json
from trainers.handlers._bulk_unique import check_emails, free_slugs
from trainers.handlers._copy import copy_models, copy_rows
from trainers.handlers.trainer import build_trainer, registered
from trainers.models import Branch, Certification, Event, GymClass, Status, Trainer
from trainers.rules import RowRules, spans_overlap, week_span
from trainers.selectors import branch_list, specialty_list

# Set by this handler, or checked by it for all rows at once (slug, branch), in place of
# their field rules, or by a command of its own (photo); every other field keeps its own,
# in the model's order.
_SET_HERE = {"id", "slug", "branch", "status", "version", "created_at", "updated_at", "photo"}
_PROFILE = tuple(f.name for f in Trainer._meta.concrete_fields if f.name not in _SET_HERE)
# A generated slug is valid by construction: its regex would cost more than the rest.
_TRAINER_RULES = RowRules(Trainer, _PROFILE)
_TRAINER_WITH_SLUG_RULES = RowRules(Trainer, ("slug", *_PROFILE))
_STATUS_RULES = RowRules(Trainer, ("status",))
# Certifications and classes repeat (few names, titles and times): verdicts are kept.
_CERTIFICATION_RULES = RowRules(
    Certification, ("name", "issuer", "issued_on", "expires_on"), remember=True
)
_CLASS_RULES = RowRules(
    GymClass, ("title", "weekday", "start_time", "duration_minutes", "capacity"), remember=True
)


def trainer_import(command: TrainerImport, *, actor: Actor = SYSTEM) -> list[Trainer]:
    with command_transaction():
        # A crash may lose an import that was just committed, never corrupt one; waiting for
        # the flush of megabytes of WAL would cost more than the COPYs themselves.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        branches = {b.slug: b for b in branch_list()}
        named = {row.branch for row in command.trainers} | {s.branch for _, s in command.classes}
        ensure_branches(actor, [branches[slug].pk for slug in named if slug in branches])
        specialties = {s.slug: s.pk for s in specialty_list()}
        slugs = free_slugs(command.trainers)
        trainers = [
            _trainer(i, row, branches, slug)
            for i, (row, slug) in enumerate(zip(command.trainers, slugs, strict=True))
        ]
        check_emails(trainers)
        if command.publish:
            for trainer in trainers:
                trainer.status = Status.PUBLISHED
        for i, status in command.statuses:
            _check(i, _STATUS_RULES, {"status": status})
            trainers[i].status = status
        for i, photo in command.photos:
            trainers[i].photo = _shared_photo(i, photo)
        links = [
            (trainers[i].pk, _specialty(i, slug, specialties))
            for i, row in enumerate(command.trainers)
            for slug in dict.fromkeys(row.specialties)
        ]
        certifications = [_certification(i, trainers[i].pk, c) for i, c in command.certifications]
        classes = _classes(command.classes, trainers, branches)

        deferred_by_caller = _defer_projection()
        copy_models(Trainer, trainers)
        through = Trainer.specialties.through._meta.db_table
        copy_rows(through, ("trainer_id", "specialty_id"), links)
        copy_rows(Certification._meta.db_table, _CERTIFICATION_COLUMNS, certifications)
        copy_rows(GymClass._meta.db_table, _CLASS_COLUMNS, classes)
        now, name = timezone.now(), type(command).__name__
        copy_rows(
            Event._meta.db_table,
            _EVENT_COLUMNS,
            (
                (
                    "trainer",
                    str(trainer.pk),
                    trainer.pk,
                    name,
                    Jsonb(
                        {
                            **to_json(row),
                            "slug": trainer.slug,
                            "status": trainer.status,
                            **({"photo": trainer.photo["url"]} if trainer.photo else {}),
                        },
                        dumps=_dumps,
                    ),
                    Jsonb(registered(trainer, sorted(set(row.specialties))), dumps=_dumps),
                    "",
                    1,
                    actor.user_id,
                    actor.name,
                    now,
                )
                for trainer, row in zip(trainers, command.trainers, strict=True)
            ),
        )
        if not deferred_by_caller:
            _project([trainer.pk for trainer in trainers])
    return trainers


def _defer_projection() -> bool:
    """Make the read model's triggers skip the COPYs; True when the caller deferred already.

    Each trigger projects the trainers its statement touched: four COPYs would derive every
    imported trainer four times (and recount the facets each time). One projection at the
    end does it once, in the same transaction.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT read.projection_deferred()")
        (deferred,) = cursor.fetchone()
        if not deferred:
            cursor.execute("SET LOCAL read.defer_projection = on")
    return bool(deferred)


def _project(ids: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL read.defer_projection = off")
        cursor.execute("SELECT read.project_trainers(%s::uuid[])", [ids])


_CERTIFICATION_COLUMNS = ("trainer_id", "name", "issuer", "issued_on", "expires_on", "created_at")
_CLASS_COLUMNS = (
    "trainer_id",
    "branch_id",
    "title",
    "weekday",
    "start_time",
    "duration_minutes",
    "capacity",
    "version",
    "created_at",
    "updated_at",
)
_EVENT_COLUMNS = (
    "aggregate_type",
    "aggregate_id",
    "trainer_id",
    "command",
    "payload",
    "changes",
    "subject",
    "version",
    "actor_id",
    "actor_name",
    "occurred_at",
)


def _trainer(i: int, row: TrainerRegister, branches: dict[str, Branch], slug: str) -> Trainer:
    if row.branch not in branches:
        raise _invalid(
            i, "branch", errors.UNKNOWN_REFERENCE.format(entity="branch", key=row.branch)
        )
    trainer = build_trainer(row, branch=branches[row.branch], slug=slug)
    _check(i, _TRAINER_RULES if row.slug is None else _TRAINER_WITH_SLUG_RULES, trainer.__dict__)
    return trainer


def _specialty(i: int, slug: str, specialties: dict[str, int]) -> int:
    if slug not in specialties:
        raise _invalid(
            i, "specialties", errors.UNKNOWN_REFERENCE.format(entity="specialty", key=slug)
        )
    return specialties[slug]


def _certification(i: int, trainer_id: Any, cert: CertificationAdd) -> tuple[Any, ...]:
    name, issuer = cert.name.strip(), cert.issuer.strip()
    values = {"name": name, "issuer": issuer, "issued_on": cert.issued_on}
    _check(i, _CERTIFICATION_RULES, values | {"expires_on": cert.expires_on})
    return (trainer_id, name, issuer, cert.issued_on, cert.expires_on, timezone.now())


def _classes(
    schedules: tuple[tuple[int, GymClassSchedule], ...],
    trainers: list[Trainer],
    branches: dict[str, Branch],
) -> list[tuple[Any, ...]]:
    rows = []
    now = timezone.now()
    busy: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i, schedule in schedules:
        if schedule.branch not in branches:
            raise _invalid(
                i, "branch", errors.UNKNOWN_REFERENCE.format(entity="branch", key=schedule.branch)
            )
        title = schedule.title.strip()
        values = {
            "title": title,
            "weekday": schedule.weekday,
            "start_time": schedule.start_time,
            "duration_minutes": schedule.duration_minutes,
            "capacity": schedule.capacity,
        }
        _check(i, _CLASS_RULES, values)
        span = week_span(schedule.weekday, schedule.start_time, schedule.duration_minutes)
        slots = busy[i]
        if any(spans_overlap(span, other) for other in slots):
            raise errors.RuleViolation(
                "Two imported classes of one trainer overlap.", field=f"trainers[{i}].start_time"
            )
        slots.append(span)
        rows.append(
            (
                trainers[i].pk,
                branches[schedule.branch].pk,
                title,
                schedule.weekday,
                schedule.start_time,
                schedule.duration_minutes,
                schedule.capacity,
                1,
                now,
                now,
            )
        )
    return rows


def _shared_photo(i: int, photo: Mapping[str, Any]) -> dict[str, Any]:
    """A stored, shared photo document (``TrainerImport.photos``), in the shape files.store
    writes; its files must not belong to a trainer's own folder."""
    keys = {"url", "width", "height", "renditions", "files"}
    if set(photo) != keys or any(str(f).startswith("trainers/") for f in photo["files"]):
        raise _invalid(i, "photo", errors.PHOTO_NOT_SHARED)
    return dict(photo)


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _check(i: int, rules: RowRules, values: dict[str, Any]) -> None:
    if (problem := rules.problem(values)) is not None:
        raise _invalid(i, *problem)


def _invalid(i: int, field: str, message: str) -> errors.InvalidInput:
    return errors.InvalidInput({f"trainers[{i}].{field}": [message]})
