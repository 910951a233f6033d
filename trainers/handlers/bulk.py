"""Bulk import: many trainers, their certifications and classes in one transaction.

The same rules as one-by-one registration, checked in memory where a per-row
query or validator would cost too much (references, slugs, emails, class
overlaps), with the database constraints as the backstop. Rows go in with
COPY. One event per imported trainer.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date, time
from functools import lru_cache
from typing import Any

import orjson
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import connection
from django.utils import timezone
from psycopg import sql
from psycopg.types.json import Jsonb

from trainers import errors
from trainers.commands import CertificationAdd, GymClassSchedule, TrainerImport, TrainerRegister
from trainers.cqrs import SYSTEM, Actor
from trainers.handlers._base import command_transaction, long_texts, to_json
from trainers.handlers._copy import copy_models, copy_rows
from trainers.handlers.gym_class import _minutes
from trainers.handlers.trainer import build_trainer, slug_base
from trainers.models import Branch, Certification, Event, GymClass, Specialty, Status, Trainer

# Checked by the cached validators below, or set by this handler, not by ``clean_fields``.
_NOT_CLEANED = [
    "slug",
    "id",
    "branch",
    "email",
    "photo_url",
    "status",
    "version",
    "created_at",
    "updated_at",
]


def trainer_import(command: TrainerImport, *, actor: Actor = SYSTEM) -> list[Trainer]:
    with command_transaction():
        # A crash may lose an import that was just committed, never corrupt one; waiting for
        # the flush of megabytes of WAL would cost more than the COPYs themselves.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        branches = {b.slug: b for b in Branch.objects.all()}
        specialties = {s.slug: s.pk for s in Specialty.objects.all()}
        slugs = _slugs(command.trainers)
        trainers = [
            _trainer(i, row, branches, slug)
            for i, (row, slug) in enumerate(zip(command.trainers, slugs, strict=True))
        ]
        _check_emails(trainers)
        if command.publish:
            for trainer in trainers:
                trainer.status = Status.PUBLISHED
        for i, status in command.statuses:
            if status not in Status.values:
                raise _invalid(i, "status", f"Value {status!r} is not a valid choice.")
            trainers[i].status = status
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
                    name,
                    Jsonb(
                        {**to_json(row), "slug": trainer.slug, "status": trainer.status},
                        dumps=_dumps,
                    ),
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
    "command",
    "payload",
    "version",
    "actor_id",
    "actor_name",
    "occurred_at",
)


def _slugs(rows: tuple[TrainerRegister, ...]) -> list[str]:
    """A free slug for each row: its own, or the next free ``base``, ``base-2``, ``base-3``...
    (as ``unique_slug`` picks them), with index lookups instead of a query per row."""
    explicit = {row.slug for row in rows if row.slug is not None}
    taken = _existing("slug", explicit)
    bases = [slug_base(f"{row.first_name} {row.last_name}") for row in rows]
    # Look up windows of candidates until each base has as many free ones as rows want.
    wanted = Counter(base for base, row in zip(bases, rows, strict=True) if row.slug is None)
    start, size = dict.fromkeys(wanted, 1), {base: count + 3 for base, count in wanted.items()}
    while wanted:
        windows = {
            base: [_candidate(base, n) for n in range(start[base], start[base] + size[base])]
            for base in wanted
        }
        found = _existing("slug", [slug for window in windows.values() for slug in window])
        taken |= found
        for base, window in windows.items():
            free = sum(slug not in found and slug not in explicit for slug in window)
            if free >= wanted[base]:
                del wanted[base]
            else:
                wanted[base] -= free
                start[base] += size[base]
                size[base] *= 2

    slugs = []
    for i, (base, row) in enumerate(zip(bases, rows, strict=True)):
        if row.slug is not None:
            if row.slug in taken:
                raise _exists(i, "slug")
            slug = row.slug
        else:
            n = 1
            while (slug := _candidate(base, n)) in taken or slug in explicit:
                n += 1
        taken.add(slug)
        slugs.append(slug)
    return slugs


def _candidate(base: str, n: int) -> str:
    return base if n == 1 else f"{base}-{n}"


def _trainer(i: int, row: TrainerRegister, branches: dict[str, Branch], slug: str) -> Trainer:
    if row.branch not in branches:
        raise _invalid(
            i, "branch", errors.UNKNOWN_REFERENCE.format(entity="branch", key=row.branch)
        )
    trainer = build_trainer(row, branch=branches[row.branch], slug=slug)
    try:
        # A generated slug is valid by construction: its regex would cost more than the rest.
        trainer.clean_fields(exclude=_NOT_CLEANED if row.slug is None else _NOT_CLEANED[1:])
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise _invalid(i, field, str(messages[0])) from exc
    for field, message in long_texts(trainer):
        raise _invalid(i, field, message)
    if not _email_ok(trainer.email):
        raise _invalid(i, "email", str(EmailValidator.message))
    if len(trainer.email) > 254:
        raise _invalid(i, "email", _TOO_LONG.format(n=254))
    if trainer.photo_url and not _url_ok(trainer.photo_url):
        raise _invalid(i, "photo_url", str(URLValidator.message))
    if len(trainer.photo_url) > 500:
        raise _invalid(i, "photo_url", _TOO_LONG.format(n=500))
    if trainer.date_of_birth is not None and trainer.date_of_birth >= trainer.hired_on:
        raise _invalid(i, "date_of_birth", errors.BORN_BEFORE_HIRED)
    return trainer


def _check_emails(trainers: list[Trainer]) -> None:
    """Unique emails, in the import and against the trainers already there (one query)."""
    seen: dict[str, int] = {}
    for i, trainer in enumerate(trainers):
        if seen.setdefault(trainer.email, i) != i:
            raise _exists(i, "email")
    for email in sorted(_existing("email", seen), key=seen.__getitem__)[:1]:
        raise _exists(seen[email], "email")


def _existing(column: str, values: Iterable[str]) -> set[str]:
    """Which of ``values`` a trainer already has in ``column``: one array parameter, not
    thousands of ``IN`` placeholders."""
    query = sql.SQL("SELECT {column} FROM {table} WHERE {column} = ANY(%s)").format(
        column=sql.Identifier(column), table=sql.Identifier(Trainer._meta.db_table)
    )
    with connection.cursor() as cursor:
        cursor.execute(query.as_string(), [list(values)])
        return {row[0] for row in cursor.fetchall()}


def _specialty(i: int, slug: str, specialties: dict[str, int]) -> int:
    if slug not in specialties:
        raise _invalid(
            i, "specialties", errors.UNKNOWN_REFERENCE.format(entity="specialty", key=slug)
        )
    return specialties[slug]


def _certification(i: int, trainer_id: Any, cert: CertificationAdd) -> tuple[Any, ...]:
    name, issuer = _text(i, "name", cert.name, 160), _text(i, "issuer", cert.issuer, 160)
    if not isinstance(cert.issued_on, date):
        raise _invalid(i, "issued_on", _REQUIRED)
    if cert.expires_on is not None and cert.expires_on <= cert.issued_on:
        raise _invalid(i, "expires_on", errors.CERTIFICATION_DATES)
    return (trainer_id, name, issuer, cert.issued_on, cert.expires_on, timezone.now())


def _classes(
    schedules: tuple[tuple[int, GymClassSchedule], ...],
    trainers: list[Trainer],
    branches: dict[str, Branch],
) -> list[tuple[Any, ...]]:
    rows = []
    now = timezone.now()
    busy: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for i, schedule in schedules:
        if schedule.branch not in branches:
            raise _invalid(
                i, "branch", errors.UNKNOWN_REFERENCE.format(entity="branch", key=schedule.branch)
            )
        title = _text(i, "title", schedule.title, 120)
        if schedule.weekday not in range(1, 8):
            raise _invalid(i, "weekday", f"Value {schedule.weekday!r} is not a valid choice.")
        if not isinstance(schedule.start_time, time):
            raise _invalid(i, "start_time", _REQUIRED)
        if not 0 < schedule.duration_minutes <= 600:
            raise _invalid(i, "duration_minutes", errors.CLASS_DURATION)
        if not 0 < schedule.capacity <= 32767:
            raise _invalid(i, "capacity", errors.CLASS_CAPACITY)
        start = _minutes(schedule.start_time)
        end = start + schedule.duration_minutes
        slots = busy[(i, schedule.weekday)]
        if any(start < e and s < end for s, e in slots):
            raise errors.RuleViolation(
                "Two imported classes of one trainer overlap.", field=f"trainers[{i}].start_time"
            )
        slots.append((start, end))
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


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


_REQUIRED = "This field cannot be blank."
_TOO_LONG = "Ensure this value has at most {n} characters."


def _text(i: int, field: str, value: str, max_length: int) -> str:
    value = value.strip()
    if not value:
        raise _invalid(i, field, _REQUIRED)
    if len(value) > max_length:
        raise _invalid(i, field, _TOO_LONG.format(n=max_length))
    return value


def _email_ok(value: str) -> bool:
    # Django's own check, with the costly domain part cached: imports repeat few domains.
    user, _, domain = value.rpartition("@")
    return bool(user) and bool(EmailValidator.user_regex.match(user)) and _valid(f"x@{domain}")


@lru_cache(maxsize=4096)
def _valid(email: str) -> bool:
    try:
        EmailValidator()(email)
    except ValidationError:
        return False
    return True


@lru_cache(maxsize=4096)
def _url_ok(value: str) -> bool:
    try:
        URLValidator()(value)
    except ValidationError:
        return False
    return True


def _invalid(i: int, field: str, message: str) -> errors.InvalidInput:
    return errors.InvalidInput({f"trainers[{i}].{field}": [message]})


def _exists(i: int, field: str) -> errors.RuleViolation:
    return errors.RuleViolation(
        errors.ALREADY_EXISTS.format(entity="trainer", field=field), field=f"trainers[{i}].{field}"
    )
