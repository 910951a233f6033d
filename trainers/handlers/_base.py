"""What every command handler shares: locking, version checks, validation, the event row."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, time
from enum import Enum
from typing import Any, TypeVar
from uuid import UUID

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Q

from trainers import errors
from trainers.commands import UNSET
from trainers.cqrs import Actor
from trainers.models import Event, Trainer
from trainers.rules import CONSTRAINT_ERRORS, constraint_problems, text_limits

M = TypeVar("M", bound=models.Model)

# Which field a unique index protects, for errors raised by a lost race.
_UNIQUE_FIELDS = ("email", "slug", "name")


@contextmanager
def command_transaction() -> Iterator[None]:
    """One transaction per command; a constraint that loses a race becomes a RuleViolation.

    Not ``durable``: Django admin already wraps its add/change/delete views in a
    transaction, and those saves must run the same handlers.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        message = str(exc)
        if "unique" in message or "duplicate key" in message:
            field = next((f for f in _UNIQUE_FIELDS if f in message), None)
            raise errors.RuleViolation(
                errors.ALREADY_EXISTS.format(entity="record", field=field or "value"), field=field
            ) from exc
        # A check constraint: the same words as when validation catches it first.
        field, reason = next(
            ((f, m) for name, (f, m) in CONSTRAINT_ERRORS.items() if name in message),
            (None, None),
        )
        raise errors.RuleViolation(
            reason or f"The change breaks a rule of the data: {message}", field=field
        ) from exc


def lock(queryset: models.QuerySet[M], entity: str, key: object, **lookup: Any) -> M:
    """Load one row with ``SELECT ... FOR UPDATE``, or raise NotFound."""
    try:
        return queryset.select_for_update().get(**lookup)
    except (ObjectDoesNotExist, ValidationError, ValueError) as exc:
        raise errors.NotFound(entity, key) from exc


def check_version(entity: str, key: object, actual: int, expected: int | None) -> None:
    if expected is not None and expected != actual:
        raise errors.VersionConflict(entity, key, expected=expected, actual=actual)


def lock_version(
    queryset: models.QuerySet[M], entity: str, key: object, expected: int | None, **lookup: Any
) -> M:
    """Lock an aggregate's row (NotFound) and check the version the command expects."""
    instance = lock(queryset, entity, key, **lookup)
    check_version(entity, key, instance.version, expected)  # type: ignore[attr-defined]
    return instance


def validate(
    instance: models.Model,
    *,
    exclude: list[str] | None = None,
    changed: Iterable[str] | None = None,
) -> None:
    """Check fields, choices and constraints (InvalidInput), then uniqueness (RuleViolation).

    ``changed``: of a stored instance, the fields the command set; fields no changed value
    can affect are not checked again (each constraint and uniqueness check is a query).
    """
    if changed is not None:
        exclude = [*(exclude or ()), *_unaffected(instance, set(changed))]
    problems: dict[str, list[str]] = {}
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as exc:
        problems = {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
    for name, too_long in long_texts(instance):
        problems.setdefault(name, []).append(too_long)
    # A field that already failed is left out: its value may not even reach SQL.
    for name, messages in constraint_problems(instance, {*(exclude or ()), *problems}).items():
        problems.setdefault(name, []).extend(messages)
    if problems:
        raise errors.InvalidInput(problems)
    try:
        instance.validate_unique(exclude=exclude)
    except ValidationError as exc:
        field = next(iter(exc.message_dict))
        raise errors.RuleViolation(
            errors.ALREADY_EXISTS.format(entity=instance._meta.verbose_name, field=field),
            field=field,
        ) from exc


def _unaffected(instance: models.Model, changed: set[str]) -> list[str]:
    """Fields that neither changed nor share a constraint with a field that did."""
    affected = set(changed)
    for constraint in instance._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            fields = Q(constraint.condition).referenced_base_fields
        elif isinstance(constraint, models.UniqueConstraint) and constraint.fields:
            fields = set(constraint.fields)
        else:
            return []  # a constraint over expressions: check everything
        if fields & changed:
            affected |= fields
    return [f.name for f in instance._meta.concrete_fields if f.name not in affected]


def long_texts(instance: models.Model) -> Iterator[tuple[str, str]]:
    """Fields over their ``TextField`` limit (``rules.text_limits``), with the message."""
    for field in instance._meta.concrete_fields:
        for limit in text_limits(field):
            try:
                limit(getattr(instance, field.attname) or "")
            except ValidationError as exc:
                yield field.name, exc.messages[0]


def apply_changes(instance: models.Model, changes: dict[str, Any]) -> None:
    for name, value in changes.items():
        setattr(instance, name, value)


Changes = dict[str, dict[str, Any]]


def record(
    command: object,
    *,
    aggregate_type: str,
    aggregate_id: object,
    version: int,
    actor: Actor,
    payload: dict[str, Any] | None = None,
    changes: Changes | None = None,
    trainer_id: object = None,
    subject: str = "",
) -> Event:
    """Append the event of an accepted command (audit log and outbox).

    ``changes``: each changed field's old and new value; ``trainer_id``: whose history
    shows it (a trainer's own events show in theirs without it); ``subject``: the part
    of the trainer it is about (a certification, a class).
    """
    if trainer_id is None and aggregate_type == "trainer":
        trainer_id = aggregate_id
    if trainer_id is not None and not isinstance(trainer_id, UUID):
        trainer_id = UUID(str(trainer_id))
    return Event.objects.create(
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate_id),
        command=type(command).__name__,
        payload=payload if payload is not None else to_json(command),
        changes=changes or {},
        trainer_id=trainer_id,
        subject=subject[:200],
        version=version,
        actor_id=actor.user_id,
        actor_name=actor.name,
    )


def snapshot(instance: models.Model, names: Iterable[str]) -> dict[str, Any]:
    """Fields' values as an event stores them: JSON; a branch by slug, a trainer by name."""
    return {name: event_value(getattr(instance, name)) for name in names}


def event_value(value: Any) -> Any:
    if isinstance(value, Trainer):
        return str(value)
    if isinstance(value, models.Model):
        return getattr(value, "slug", None) or str(value.pk)
    return to_json(value)


def diff(before: dict[str, Any], after: dict[str, Any]) -> Changes:
    """The fields whose value differs, with the old and the new value."""
    return {
        name: {"old": before.get(name), "new": value}
        for name, value in after.items()
        if before.get(name) != value
    }


def created(after: dict[str, Any]) -> Changes:
    """A new record's changes: each field that has a value, from nothing."""
    return {n: {"old": None, "new": v} for n, v in after.items() if v not in (None, "", [])}


def removed(before: dict[str, Any]) -> Changes:
    """A removed record's changes: each field that had a value, to nothing."""
    return {n: {"old": v, "new": None} for n, v in before.items() if v not in (None, "", [])}


def save_new_version(
    instance: Any,
    command: object,
    *,
    aggregate_type: str,
    actor: Actor,
    aggregate_id: object = None,
    update_fields: list[str] | None = None,
    payload: dict[str, Any] | None = None,
    changes: Changes | None = None,
    trainer_id: object = None,
    subject: str = "",
) -> None:
    """An accepted change to an aggregate: bump its version, save it, append its event."""
    instance.version += 1
    instance.save(update_fields=update_fields)
    record(
        command,
        aggregate_type=aggregate_type,
        aggregate_id=instance.pk if aggregate_id is None else aggregate_id,
        version=instance.version,
        actor=actor,
        payload=payload,
        changes=changes,
        trainer_id=trainer_id,
        subject=subject,
    )


def to_json(value: Any) -> Any:
    """A command (or any of its values) as JSON-safe data; UNSET fields are left out."""
    if value is None or isinstance(value, str | int | float):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            name: to_json(field_value)
            for name in _field_names(type(value))
            if (field_value := getattr(value, name)) is not UNSET
        }
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return value


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls) if f.name != "expected_version")
