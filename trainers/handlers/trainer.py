"""Trainer lifecycle: register, update the profile, specialties, delete."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils.text import slugify

from trainers import errors
from trainers.access import ensure_branches
from trainers.commands import (
    PROFILE_FIELDS,
    TrainerAssignSpecialty,
    TrainerDelete,
    TrainerRegister,
    TrainerRestore,
    TrainerSetSpecialties,
    TrainerUpdateProfile,
    changed_fields,
)
from trainers.cqrs import SYSTEM, Actor
from trainers.handlers._base import (
    Changes,
    apply_changes,
    command_transaction,
    created,
    diff,
    lock_version,
    record,
    removed,
    save_new_version,
    snapshot,
    validate,
)
from trainers.models import Branch, Event, Specialty, Trainer
from trainers.photos import files

AGGREGATE = "trainer"


def trainer_register(command: TrainerRegister, *, actor: Actor = SYSTEM) -> Trainer:
    with command_transaction():
        trainer = build_trainer(command, branch=branch_by_slug(command.branch))
        ensure_branches(actor, [trainer.branch_id])
        validate(trainer)
        trainer.save(force_insert=True)
        specialties = specialties_by_slug(command.specialties)
        trainer.specialties.set(specialties)
        record(
            command,
            aggregate_type=AGGREGATE,
            aggregate_id=trainer.pk,
            version=1,
            actor=actor,
            changes=registered(trainer, sorted(s.slug for s in specialties)),
        )
    return trainer


def registered(trainer: Trainer, specialties: list[str]) -> Changes:
    """A registration's changes: the profile, the status and the specialties it starts with."""
    values = {**snapshot(trainer, (*PROFILE_FIELDS, "status")), "specialties": specialties}
    return created(values)


def build_trainer(command: TrainerRegister, *, branch: Branch, slug: str | None = None) -> Trainer:
    """An unsaved trainer for a register command (shared with bulk import)."""
    trainer = Trainer(
        first_name=command.first_name.strip(),
        last_name=command.last_name.strip(),
        email=command.email.strip().lower(),
        hired_on=command.hired_on,
        branch=branch,
        position=command.position,
        shift=command.shift,
        date_of_birth=command.date_of_birth,
        phone=command.phone.strip(),
        bio=command.bio.strip(),
        photo_url=command.photo_url.strip(),
        internal_notes=command.internal_notes,
        version=1,
    )
    trainer.slug = slug or command.slug or unique_slug(f"{trainer.first_name} {trainer.last_name}")
    return trainer


def unique_slug(text: str, taken: set[str] | None = None) -> str:
    """A free slug for ``text``; ``taken``, when given, must hold every slug in use."""
    base = slug_base(text)
    candidate, n = base, 1
    while (
        candidate in taken if taken is not None else Trainer.objects.filter(slug=candidate).exists()
    ):
        n += 1
        candidate = f"{base}-{n}"
    if taken is not None:
        taken.add(candidate)
    return candidate


def slug_base(text: str) -> str:
    """The slug ``unique_slug`` tries first; then ``base-2``, ``base-3``..."""
    return slugify(text)[:100] or "trainer"


def trainer_update_profile(command: TrainerUpdateProfile, *, actor: Actor = SYSTEM) -> Trainer:
    changes = changed_fields(command, exclude=("trainer_id", "expected_version"))
    with command_transaction():
        trainer = lock_trainer(command.trainer_id, command.expected_version, actor)
        change_profile(trainer, changes, command, actor)
    return trainer


def change_profile(
    trainer: Trainer, changes: dict[str, Any], command: object, actor: Actor
) -> None:
    """Apply profile ``changes`` (command values: a branch by slug) to the locked trainer,
    validate, save a new version, record the old and new value of each changed field."""
    if "branch" in changes:
        changes["branch"] = branch_by_slug(changes["branch"])
        ensure_branches(actor, [changes["branch"].pk])
    for name in ("first_name", "last_name", "email", "phone", "bio", "photo_url", "slug"):
        if isinstance(changes.get(name), str):
            changes[name] = changes[name].strip()
    if isinstance(changes.get("email"), str):
        changes["email"] = changes["email"].lower()
    before = snapshot(trainer, changes)
    apply_changes(trainer, changes)
    validate(trainer, exclude=["specialties"], changed=changes)
    save_new_version(
        trainer,
        command,
        aggregate_type=AGGREGATE,
        actor=actor,
        changes=diff(before, snapshot(trainer, changes)),
    )


def trainer_restore(command: TrainerRestore, *, actor: Actor = SYSTEM) -> Trainer:
    """The profile as it was at an earlier version, through a new version and event."""
    with command_transaction():
        trainer = lock_trainer(command.trainer_id, command.expected_version, actor)
        if not 1 <= command.version <= trainer.version:
            raise errors.InvalidInput(
                {"version": [errors.NO_SUCH_VERSION.format(latest=trainer.version)]}
            )
        then = profile_at(trainer.pk, command.version)
        now = snapshot(trainer, then)
        changes = {name: value for name, value in then.items() if now[name] != value}
        if not changes:
            raise errors.RuleViolation(
                errors.NOTHING_TO_RESTORE.format(version=command.version), field="version"
            )
        for name in ("hired_on", "date_of_birth"):
            if isinstance(changes.get(name), str):
                changes[name] = date.fromisoformat(changes[name])
        change_profile(trainer, changes, command, actor)
    return trainer


def _field(name: str) -> models.Field[Any, Any]:
    field = Trainer._meta.get_field(name)
    assert isinstance(field, models.Field), name
    return field


def profile_at(trainer_id: object, version: int) -> dict[str, Any]:
    """The profile fields as events up to ``version`` left them (event values: JSON).

    An event's ``changes`` hold the new values; events from before changes were recorded
    (migration 0015) hold them in their payload: a registration or import all of them, a
    profile update those it set.
    """
    profile: dict[str, Any] = {}
    events = Event.objects.filter(
        aggregate_type=AGGREGATE, aggregate_id=str(trainer_id), version__lte=version
    ).order_by("id")
    for event in events.only("command", "payload", "changes"):
        if event.command in ("TrainerRegister", "TrainerImport"):
            # A registration's changes leave out the fields it left empty.
            profile = {n: _field(n).get_default() for n in PROFILE_FIELDS}
        if event.changes:
            values = {n: c["new"] for n, c in event.changes.items()}
        elif event.command in ("TrainerRegister", "TrainerImport", "TrainerUpdateProfile"):
            values = event.payload
        else:
            continue
        # An old registration's payload holds no slug when the handler derived it.
        profile.update(
            {n: v for n, v in values.items() if n in PROFILE_FIELDS and (v, n) != (None, "slug")}
        )
    return profile


def trainer_delete(command: TrainerDelete, *, actor: Actor = SYSTEM) -> None:
    with command_transaction():
        trainer = lock_trainer(command.trainer_id, command.expected_version, actor)
        version = trainer.version + 1
        before = snapshot(trainer, (*PROFILE_FIELDS, "status"))
        trainer.delete()
        files.delete_after_commit(files.files_of(trainer.photo, command.trainer_id))
        record(
            command,
            aggregate_type=AGGREGATE,
            aggregate_id=command.trainer_id,
            version=version,
            actor=actor,
            changes=removed(before),
        )


def trainer_set_specialties(command: TrainerSetSpecialties, *, actor: Actor = SYSTEM) -> Trainer:
    with command_transaction():
        trainer = lock_trainer(command.trainer_id, command.expected_version, actor)
        before = specialty_slugs(trainer)
        trainer.specialties.set(specialties_by_slug(command.specialties))
        bump(trainer, command, actor, changes=diff(before, specialty_slugs(trainer)))
    return trainer


def specialty_slugs(trainer: Trainer) -> dict[str, list[str]]:
    return {"specialties": sorted(trainer.specialties.values_list("slug", flat=True))}


def trainer_assign_specialty(command: TrainerAssignSpecialty, *, actor: Actor = SYSTEM) -> Trainer:
    with command_transaction():
        trainer = lock_trainer(command.trainer_id, command.expected_version, actor)
        (specialty,) = specialties_by_slug((command.specialty,))
        if trainer.specialties.filter(pk=specialty.pk).exists():
            raise errors.RuleViolation(
                errors.ALREADY_HAS_SPECIALTY.format(trainer=trainer, specialty=specialty.name),
                field="specialty",
            )
        before = specialty_slugs(trainer)
        trainer.specialties.add(specialty)
        bump(trainer, command, actor, changes=diff(before, specialty_slugs(trainer)))
    return trainer


def bump(
    trainer: Trainer, command: object, actor: Actor, *, changes: Changes, subject: str = ""
) -> None:
    """A change to a part of the trainer aggregate: new version, new event."""
    save_new_version(
        trainer,
        command,
        aggregate_type=AGGREGATE,
        actor=actor,
        update_fields=["version", "updated_at"],
        changes=changes,
        subject=subject,
    )


def lock_trainer(trainer_id: object, expected_version: int | None, actor: Actor) -> Trainer:
    """Lock the trainer, check the version the command expects and the actor's branches."""
    trainer = lock_version(
        Trainer.objects.all(), "Trainer", trainer_id, expected_version, pk=trainer_id
    )
    ensure_branches(actor, [trainer.branch_id])
    return trainer


def branch_by_slug(slug: str) -> Branch:
    try:
        return Branch.objects.get(slug=slug)
    except Branch.DoesNotExist as exc:
        raise errors.InvalidInput(
            {"branch": [errors.UNKNOWN_REFERENCE.format(entity="branch", key=slug)]}
        ) from exc


def specialties_by_slug(slugs: tuple[str, ...]) -> QuerySet[Specialty]:
    wanted = set(slugs)
    found = Specialty.objects.filter(slug__in=wanted)
    missing = wanted - {s.slug for s in found}
    if missing:
        raise errors.InvalidInput(
            {
                "specialties": [
                    errors.UNKNOWN_REFERENCE.format(
                        entity="specialty", key=", ".join(sorted(missing))
                    )
                ]
            }
        )
    return found
