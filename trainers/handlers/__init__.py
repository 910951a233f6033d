"""Command handlers: the only code that writes the write model.

Each is a plain function ``handler(command, *, actor) -> result`` that runs in
one transaction, locks what it changes, checks the expected version, applies
the change, bumps the version and appends an Event. The read model follows in
the same transaction (database triggers, see docs/read-model.md).

``dispatch`` finds the handler for any command, for adapters that handle many
kinds (admin actions); typed callers import the handler itself.
"""

from __future__ import annotations

from typing import Any

from trainers import commands as c
from trainers.cqrs import SYSTEM, Actor, CommandHandler
from trainers.handlers.bulk import trainer_import
from trainers.handlers.catalog import (
    branch_create,
    branch_update,
    specialty_create,
    specialty_update,
)
from trainers.handlers.certification import (
    certification_add,
    certification_remove,
    certification_update,
)
from trainers.handlers.erasure import trainer_erase
from trainers.handlers.gym_class import gym_class_cancel, gym_class_reschedule, gym_class_schedule
from trainers.handlers.photo import trainer_remove_photo, trainer_set_photo
from trainers.handlers.schedule import status_change_cancel, status_change_schedule
from trainers.handlers.status import trainer_change_status
from trainers.handlers.trainer import (
    trainer_assign_specialty,
    trainer_delete,
    trainer_register,
    trainer_restore,
    trainer_set_specialties,
    trainer_update_profile,
)

HANDLERS: dict[type, CommandHandler[Any, Any]] = {
    c.TrainerRegister: trainer_register,
    c.TrainerUpdateProfile: trainer_update_profile,
    c.TrainerRestore: trainer_restore,
    c.TrainerPublish: trainer_change_status,
    c.TrainerUnpublish: trainer_change_status,
    c.TrainerPutOnLeave: trainer_change_status,
    c.TrainerRetire: trainer_change_status,
    c.TrainerDelete: trainer_delete,
    c.TrainerErase: trainer_erase,
    c.TrainerSetSpecialties: trainer_set_specialties,
    c.TrainerAssignSpecialty: trainer_assign_specialty,
    c.TrainerImport: trainer_import,
    c.TrainerSetPhoto: trainer_set_photo,
    c.TrainerRemovePhoto: trainer_remove_photo,
    c.CertificationAdd: certification_add,
    c.CertificationUpdate: certification_update,
    c.CertificationRemove: certification_remove,
    c.GymClassSchedule: gym_class_schedule,
    c.GymClassReschedule: gym_class_reschedule,
    c.GymClassCancel: gym_class_cancel,
    c.StatusChangeSchedule: status_change_schedule,
    c.StatusChangeCancel: status_change_cancel,
    c.BranchCreate: branch_create,
    c.BranchUpdate: branch_update,
    c.SpecialtyCreate: specialty_create,
    c.SpecialtyUpdate: specialty_update,
}


def dispatch(command: object, *, actor: Actor = SYSTEM) -> Any:
    return HANDLERS[type(command)](command, actor=actor)


__all__ = [
    "HANDLERS",
    "branch_create",
    "branch_update",
    "certification_add",
    "certification_remove",
    "certification_update",
    "dispatch",
    "gym_class_cancel",
    "gym_class_reschedule",
    "gym_class_schedule",
    "specialty_create",
    "specialty_update",
    "status_change_cancel",
    "status_change_schedule",
    "trainer_assign_specialty",
    "trainer_change_status",
    "trainer_delete",
    "trainer_erase",
    "trainer_import",
    "trainer_register",
    "trainer_remove_photo",
    "trainer_restore",
    "trainer_set_photo",
    "trainer_set_specialties",
    "trainer_update_profile",
]
