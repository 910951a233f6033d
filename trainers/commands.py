"""Commands: one frozen dataclass per intent, holding primitives only.

Partial updates mark a field they leave alone with ``UNSET`` (``None`` is a
value: it clears an optional field such as ``date_of_birth``).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from typing import Any, Final
from uuid import UUID


class Unset(enum.Enum):
    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = Unset.UNSET


def changed_fields(command: Any, exclude: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields a partial-update command sets, by name."""
    return {
        f.name: getattr(command, f.name)
        for f in fields(command)
        if f.name not in exclude and getattr(command, f.name) is not UNSET
    }


# Trainers ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrainerRegister:
    first_name: str
    last_name: str
    email: str
    hired_on: date
    branch: str
    position: str = "trainer"
    shift: str = "morning"
    date_of_birth: date | None = None
    phone: str = ""
    bio: str = ""
    photo_url: str = ""
    internal_notes: str = ""
    specialties: tuple[str, ...] = ()
    slug: str | None = None


@dataclass(frozen=True, slots=True)
class TrainerUpdateProfile:
    trainer_id: UUID
    expected_version: int | None = None
    first_name: str | Unset = UNSET
    last_name: str | Unset = UNSET
    slug: str | Unset = UNSET
    email: str | Unset = UNSET
    position: str | Unset = UNSET
    shift: str | Unset = UNSET
    hired_on: date | Unset = UNSET
    date_of_birth: date | Unset | None = UNSET
    phone: str | Unset = UNSET
    bio: str | Unset = UNSET
    photo_url: str | Unset = UNSET
    internal_notes: str | Unset = UNSET
    branch: str | Unset = UNSET


PROFILE_FIELDS: Final = tuple(
    f
    for f in TrainerUpdateProfile.__dataclass_fields__
    if f not in ("trainer_id", "expected_version")
)


@dataclass(frozen=True, slots=True)
class TrainerRestore:
    """Put the profile fields (``PROFILE_FIELDS``) back as they were at ``version``."""

    trainer_id: UUID
    version: int
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class TrainerSetPhoto:
    """Replace the trainer's photo with an uploaded image (the file's bytes)."""

    trainer_id: UUID
    content: bytes = field(repr=False)
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class TrainerRemovePhoto:
    trainer_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class TrainerPublish:
    trainer_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class TrainerUnpublish:
    trainer_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class TrainerPutOnLeave:
    trainer_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class TrainerRetire:
    trainer_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class TrainerDelete:
    trainer_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class TrainerErase:
    """Delete a trainer and erase their personal data from the event log and the
    idempotency records (a data-protection erasure request); the audit trail keeps its
    structure: who did what, when."""

    trainer_id: UUID


@dataclass(frozen=True, slots=True)
class TrainerSetSpecialties:
    trainer_id: UUID
    specialties: tuple[str, ...]
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class TrainerAssignSpecialty:
    trainer_id: UUID
    specialty: str
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class TrainerImport:
    """Register many trainers in one transaction (bulk loads, demo data).

    Certifications, classes and ``statuses`` refer to a trainer by its index in
    ``trainers``. A trainer starts as a draft, or published with ``publish``,
    unless ``statuses`` gives it another starting status (history being loaded:
    on leave, retired). ``photos`` gives trainers a photo already in storage and
    shared (a photo document of ``trainers.photos.avatars``: the demo avatars), whose
    files no trainer's change ever deletes.
    """

    trainers: tuple[TrainerRegister, ...]
    certifications: tuple[tuple[int, CertificationAdd], ...] = ()
    classes: tuple[tuple[int, GymClassSchedule], ...] = ()
    publish: bool = False
    statuses: tuple[tuple[int, str], ...] = ()
    photos: tuple[tuple[int, Mapping[str, Any]], ...] = ()


@dataclass(frozen=True, slots=True)
class StatusChangeSchedule:
    """Run a status change at ``at``: action publish, unpublish, leave, return or retire."""

    trainer_id: UUID
    action: str
    at: datetime


@dataclass(frozen=True, slots=True)
class StatusChangeCancel:
    change_id: int
    trainer_id: UUID | None = None  # when given, the change must be this trainer's


# Certifications (part of the trainer aggregate) ------------------------------------------


@dataclass(frozen=True, slots=True)
class CertificationAdd:
    trainer_id: UUID | None
    name: str
    issuer: str
    issued_on: date
    expires_on: date | None = None
    expected_version: int | None = None


@dataclass(frozen=True, slots=True)
class CertificationUpdate:
    trainer_id: UUID
    certification_id: int
    expected_version: int | None = None
    name: str | Unset = UNSET
    issuer: str | Unset = UNSET
    issued_on: date | Unset = UNSET
    expires_on: date | Unset | None = UNSET


@dataclass(frozen=True, slots=True)
class CertificationRemove:
    trainer_id: UUID
    certification_id: int
    expected_version: int | None = None


# Weekly timetable -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GymClassSchedule:
    title: str
    branch: str
    trainer_id: UUID | None
    weekday: int
    start_time: time
    duration_minutes: int
    capacity: int


@dataclass(frozen=True, slots=True)
class GymClassReschedule:
    class_id: int
    expected_version: int | None = None
    title: str | Unset = UNSET
    branch: str | Unset = UNSET
    trainer_id: UUID | Unset = UNSET
    weekday: int | Unset = UNSET
    start_time: time | Unset = UNSET
    duration_minutes: int | Unset = UNSET
    capacity: int | Unset = UNSET


@dataclass(frozen=True, slots=True)
class GymClassCancel:
    class_id: int
    expected_version: int | None = None


# Catalog: branches and specialties --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BranchCreate:
    slug: str
    name: str
    city: str
    timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class BranchUpdate:
    slug: str
    expected_version: int | None = None
    name: str | Unset = UNSET
    city: str | Unset = UNSET
    timezone: str | Unset = UNSET


@dataclass(frozen=True, slots=True)
class SpecialtyCreate:
    slug: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class SpecialtyUpdate:
    slug: str
    expected_version: int | None = None
    name: str | Unset = UNSET
    description: str | Unset = UNSET
