"""Branches and specialties: the catalog trainers refer to."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from typing import Any, TypeVar

from trainers import errors
from trainers.commands import (
    BranchCreate,
    BranchUpdate,
    SpecialtyCreate,
    SpecialtyUpdate,
    changed_fields,
)
from trainers.cqrs import SYSTEM, Actor
from trainers.handlers._base import (
    apply_changes,
    command_transaction,
    lock_version,
    record,
    save_new_version,
    validate,
)
from trainers.models import Branch, Specialty

UNKNOWN_TIMEZONE = "Unknown time zone: {tz}."


Entry = TypeVar("Entry", Branch, Specialty)


def branch_create(command: BranchCreate, *, actor: Actor = SYSTEM) -> Branch:
    _check_timezone(command.timezone)
    branch = Branch(
        slug=command.slug.strip(),
        name=command.name.strip(),
        city=command.city.strip(),
        timezone=command.timezone,
        version=1,
    )
    return _create(branch, command, actor)


def branch_update(command: BranchUpdate, *, actor: Actor = SYSTEM) -> Branch:
    changes = changed_fields(command, exclude=("slug", "expected_version"))
    return _update(Branch, command, changes, actor, check=_check_timezone_change)


def specialty_create(command: SpecialtyCreate, *, actor: Actor = SYSTEM) -> Specialty:
    specialty = Specialty(
        slug=command.slug.strip(),
        name=command.name.strip(),
        description=command.description.strip(),
        version=1,
    )
    return _create(specialty, command, actor)


def specialty_update(command: SpecialtyUpdate, *, actor: Actor = SYSTEM) -> Specialty:
    changes = changed_fields(command, exclude=("slug", "expected_version"))
    return _update(Specialty, command, changes, actor)


def _create(entry: Entry, command: BranchCreate | SpecialtyCreate, actor: Actor) -> Entry:
    """A new catalog entry, whose slug is its aggregate id."""
    with command_transaction():
        validate(entry)
        entry.save()
        record(
            command,
            aggregate_type=type(entry).__name__.lower(),
            aggregate_id=entry.slug,
            version=1,
            actor=actor,
        )
    return entry


def _update(
    model: type[Entry],
    command: BranchUpdate | SpecialtyUpdate,
    changes: dict[str, Any],
    actor: Actor,
    *,
    check: Callable[[dict[str, Any]], None] | None = None,
) -> Entry:
    """Change a catalog entry found by slug; ``check`` sees the changes before they apply."""
    entity = model.__name__
    with command_transaction():
        entry = lock_version(
            model.objects.all(), entity, command.slug, command.expected_version, slug=command.slug
        )
        if check is not None:
            check(changes)
        apply_changes(entry, changes)
        validate(entry)
        save_new_version(
            entry, command, aggregate_type=entity.lower(), aggregate_id=entry.slug, actor=actor
        )
    return entry


def _check_timezone_change(changes: dict[str, Any]) -> None:
    if "timezone" in changes:
        _check_timezone(changes["timezone"])


def _check_timezone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise errors.InvalidInput({"timezone": [UNKNOWN_TIMEZONE.format(tz=name)]}) from exc
