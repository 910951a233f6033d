"""Certifications belong to the trainer aggregate: each change bumps the trainer's version."""

from __future__ import annotations

from trainers.commands import (
    CertificationAdd,
    CertificationRemove,
    CertificationUpdate,
    changed_fields,
)
from trainers.cqrs import SYSTEM, Actor
from trainers.handlers._base import (
    apply_changes,
    command_transaction,
    created,
    diff,
    lock,
    removed,
    snapshot,
    validate,
)
from trainers.handlers.trainer import bump, lock_trainer
from trainers.models import Certification, Trainer

FIELDS = ("name", "issuer", "issued_on", "expires_on")


def build_certification(command: CertificationAdd, trainer: Trainer) -> Certification:
    certification = Certification(
        trainer=trainer,
        name=command.name.strip(),
        issuer=command.issuer.strip(),
        issued_on=command.issued_on,
        expires_on=command.expires_on,
    )
    validate(certification, exclude=["trainer"])
    return certification


def certification_add(command: CertificationAdd, *, actor: Actor = SYSTEM) -> Certification:
    with command_transaction():
        trainer = lock_trainer(command.trainer_id, command.expected_version, actor)
        certification = build_certification(command, trainer)
        certification.save()
        after = snapshot(certification, FIELDS)
        bump(trainer, command, actor, changes=created(after), subject=str(certification))
    return certification


def certification_update(command: CertificationUpdate, *, actor: Actor = SYSTEM) -> Certification:
    changes = changed_fields(
        command, exclude=("trainer_id", "certification_id", "expected_version")
    )
    with command_transaction():
        trainer, certification = _lock(command, actor)
        before = snapshot(certification, FIELDS)
        apply_changes(certification, changes)
        validate(certification, exclude=["trainer"])
        certification.save()
        changed = diff(before, snapshot(certification, FIELDS))
        bump(trainer, command, actor, changes=changed, subject=str(certification))
    return certification


def certification_remove(command: CertificationRemove, *, actor: Actor = SYSTEM) -> Trainer:
    with command_transaction():
        trainer, certification = _lock(command, actor)
        before = snapshot(certification, FIELDS)
        subject = str(certification)
        certification.delete()
        bump(trainer, command, actor, changes=removed(before), subject=subject)
    return trainer


def _lock(
    command: CertificationUpdate | CertificationRemove, actor: Actor
) -> tuple[Trainer, Certification]:
    """Lock the trainer (checking its version), then its certification."""
    trainer = lock_trainer(command.trainer_id, command.expected_version, actor)
    certification = lock(
        trainer.certifications.all(),
        "Certification",
        command.certification_id,
        pk=command.certification_id,
    )
    return trainer, certification
