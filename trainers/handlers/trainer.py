"""Trainer lifecycle: register, update the profile, specialties, delete."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.text import slugify

from trainers import errors
from trainers.commands import (
    TrainerAssignSpecialty,
    TrainerDelete,
    TrainerRegister,
    TrainerSetSpecialties,
    TrainerUpdateProfile,
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
from trainers.models import Branch, Specialty, Trainer
from trainers.photos import files

AGGREGATE = "trainer"


def trainer_register(command: TrainerRegister, *, actor: Actor = SYSTEM) -> Trainer:
    with command_transaction():
        trainer = build_trainer(command, branch=branch_by_slug(command.branch))
        validate(trainer)
        trainer.save(force_insert=True)
        specialties = specialties_by_slug(command.specialties)
        trainer.specialties.set(specialties)
        record(command, aggregate_type=AGGREGATE, aggregate_id=trainer.pk, version=1, actor=actor)
    return trainer


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
        trainer = lock_trainer(command.trainer_id, command.expected_version)
        if "branch" in changes:
            changes["branch"] = branch_by_slug(changes["branch"])
        for name in ("first_name", "last_name", "email", "phone", "bio", "photo_url", "slug"):
            if isinstance(changes.get(name), str):
                changes[name] = changes[name].strip()
        if isinstance(changes.get("email"), str):
            changes["email"] = changes["email"].lower()
        apply_changes(trainer, changes)
        validate(trainer, exclude=["specialties"], changed=changes)
        save_new_version(trainer, command, aggregate_type=AGGREGATE, actor=actor)
    return trainer


def trainer_delete(command: TrainerDelete, *, actor: Actor = SYSTEM) -> None:
    with command_transaction():
        trainer = lock_trainer(command.trainer_id, command.expected_version)
        version = trainer.version + 1
        trainer.delete()
        files.delete_after_commit(files.files_of(trainer.photo, command.trainer_id))
        record(
            command,
            aggregate_type=AGGREGATE,
            aggregate_id=command.trainer_id,
            version=version,
            actor=actor,
        )


def trainer_set_specialties(command: TrainerSetSpecialties, *, actor: Actor = SYSTEM) -> Trainer:
    with command_transaction():
        trainer = lock_trainer(command.trainer_id, command.expected_version)
        trainer.specialties.set(specialties_by_slug(command.specialties))
        bump(trainer, command, actor)
    return trainer


def trainer_assign_specialty(command: TrainerAssignSpecialty, *, actor: Actor = SYSTEM) -> Trainer:
    with command_transaction():
        trainer = lock_trainer(command.trainer_id, command.expected_version)
        (specialty,) = specialties_by_slug((command.specialty,))
        if trainer.specialties.filter(pk=specialty.pk).exists():
            raise errors.RuleViolation(
                errors.ALREADY_HAS_SPECIALTY.format(trainer=trainer, specialty=specialty.name),
                field="specialty",
            )
        trainer.specialties.add(specialty)
        bump(trainer, command, actor)
    return trainer


def bump(trainer: Trainer, command: object, actor: Actor) -> None:
    """A change to a part of the trainer aggregate: new version, new event."""
    save_new_version(
        trainer,
        command,
        aggregate_type=AGGREGATE,
        actor=actor,
        update_fields=["version", "updated_at"],
    )


def lock_trainer(trainer_id: object, expected_version: int | None) -> Trainer:
    return lock_version(
        Trainer.objects.all(), "Trainer", trainer_id, expected_version, pk=trainer_id
    )


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
