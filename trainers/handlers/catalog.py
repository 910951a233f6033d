"""Branches and specialties: the catalog trainers refer to."""

from __future__ import annotations

import zoneinfo

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
    check_version,
    command_transaction,
    lock,
    record,
    save_new_version,
    validate,
)
from trainers.models import Branch, Specialty

UNKNOWN_TIMEZONE = "Unknown time zone: {tz}."


def branch_create(command: BranchCreate, *, actor: Actor = SYSTEM) -> Branch:
    with command_transaction():
        branch = Branch(
            slug=command.slug.strip(),
            name=command.name.strip(),
            city=command.city.strip(),
            timezone=command.timezone,
            version=1,
        )
        _check_timezone(branch.timezone)
        validate(branch)
        branch.save()
        record(command, aggregate_type="branch", aggregate_id=branch.slug, version=1, actor=actor)
    return branch


def branch_update(command: BranchUpdate, *, actor: Actor = SYSTEM) -> Branch:
    changes = changed_fields(command, exclude=("slug", "expected_version"))
    with command_transaction():
        branch = lock(Branch.objects.all(), "Branch", command.slug, slug=command.slug)
        check_version("Branch", command.slug, branch.version, command.expected_version)
        if "timezone" in changes:
            _check_timezone(changes["timezone"])
        apply_changes(branch, changes)
        validate(branch)
        save_new_version(
            branch, command, aggregate_type="branch", aggregate_id=branch.slug, actor=actor
        )
    return branch


def specialty_create(command: SpecialtyCreate, *, actor: Actor = SYSTEM) -> Specialty:
    with command_transaction():
        specialty = Specialty(
            slug=command.slug.strip(),
            name=command.name.strip(),
            description=command.description.strip(),
            version=1,
        )
        validate(specialty)
        specialty.save()
        record(
            command, aggregate_type="specialty", aggregate_id=specialty.slug, version=1, actor=actor
        )
    return specialty


def specialty_update(command: SpecialtyUpdate, *, actor: Actor = SYSTEM) -> Specialty:
    changes = changed_fields(command, exclude=("slug", "expected_version"))
    with command_transaction():
        specialty = lock(Specialty.objects.all(), "Specialty", command.slug, slug=command.slug)
        check_version("Specialty", command.slug, specialty.version, command.expected_version)
        apply_changes(specialty, changes)
        validate(specialty)
        save_new_version(
            specialty, command, aggregate_type="specialty", aggregate_id=specialty.slug, actor=actor
        )
    return specialty


def _check_timezone(name: str) -> None:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise errors.InvalidInput({"timezone": [UNKNOWN_TIMEZONE.format(tz=name)]}) from exc
