"""A trainer's history in plain words: what each event did, and each field's old and new value.

One place for every reader of the history: the admin's timeline and the ops API. The
values are the events' own (``Event.changes``, JSON); this module only names them: a
branch or specialty by its name, a status or weekday by its label, a time as HH:MM.
Private fields (the admin's "Staff only" ones) show as ``HIDDEN`` to staff who may not
change trainers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from trainers.models import Branch, Certification, Event, GymClass, Specialty, Trainer

PRIVATE_FIELDS = frozenset({"email", "phone", "date_of_birth", "internal_notes"})
HIDDEN = "(hidden)"
EMPTY = "(empty)"

# What an event did, as a person would say it; {subject} is the certification or class.
SENTENCES = {
    "TrainerRegister": "Registered the trainer",
    "TrainerImport": "Imported the trainer",
    "TrainerUpdateProfile": "Changed the profile",
    "TrainerRestore": "Restored the profile as it was at version {version}",
    "TrainerPublish": "Published",
    "TrainerUnpublish": "Unpublished (back to draft)",
    "TrainerPutOnLeave": "Put on leave",
    "TrainerRetire": "Retired",
    "TrainerDelete": "Deleted the trainer",
    "TrainerSetSpecialties": "Changed the specialties",
    "TrainerAssignSpecialty": "Added a specialty",
    "StatusChangeSchedule": "Scheduled a status change",
    "StatusChangeCancel": "Cancelled a scheduled status change",
    "CertificationAdd": "Added the certification {subject}",
    "CertificationUpdate": "Changed the certification {subject}",
    "CertificationRemove": "Removed the certification {subject}",
    "GymClassSchedule": "Scheduled the class {subject}",
    "GymClassReschedule": "Changed the class {subject}",
    "GymClassCancel": "Cancelled the class {subject}",
}


def may_see_private(user: User | AnonymousUser | Any) -> bool:
    """Who may change a trainer may see its private fields' old and new values."""
    return bool(user.has_perm("trainers.change_trainer"))


def visible_changes(event: Event, *, private: bool) -> dict[str, dict[str, Any]]:
    """The event's changes, private fields' values hidden unless ``private``."""
    if private:
        return dict(event.changes)
    return {
        field: ({"old": HIDDEN, "new": HIDDEN} if field in PRIVATE_FIELDS else change)
        for field, change in event.changes.items()
    }


def visible_payload(event: Event, *, private: bool) -> dict[str, Any]:
    """The command as recorded, private fields' values hidden unless ``private``."""
    payload = event.payload if isinstance(event.payload, dict) else {}
    if private:
        return dict(payload)
    return {
        k: (HIDDEN if k in PRIVATE_FIELDS and v not in (None, "") else v)
        for k, v in payload.items()
    }


def summary(event: Event) -> str:
    """One line: what the event did (``SENTENCES``), or its command's name if unknown."""
    sentence = SENTENCES.get(event.command, event.command)
    version = event.payload.get("version", "?") if isinstance(event.payload, dict) else "?"
    return sentence.format(subject=event.subject or "", version=version).strip()


@dataclass(frozen=True)
class Line:
    field: str
    label: str
    old: str
    new: str


class Names:
    """Display names for the values events hold by key (branch and specialty slugs)."""

    def __init__(self) -> None:
        self.branches = dict(Branch.objects.values_list("slug", "name"))
        self.specialties = dict(Specialty.objects.values_list("slug", "name"))

    def lines(self, event: Event, *, private: bool) -> list[Line]:
        """One line per changed field, in the model's field order (jsonb keeps no order)."""
        model = _model_of(event)
        order = {f.name: i for i, f in enumerate(model._meta.get_fields())}
        changes = sorted(
            visible_changes(event, private=private).items(),
            key=lambda item: order.get(item[0], len(order)),
        )
        return [
            Line(
                field,
                _label(model, field),
                self.show(model, field, change.get("old")),
                self.show(model, field, change.get("new")),
            )
            for field, change in changes
        ]

    def show(self, model: type[models.Model], field: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return EMPTY
        if value == HIDDEN:
            return HIDDEN
        if field == "branch":
            return str(self.branches.get(value, value))
        if field == "specialties" and isinstance(value, list):
            return ", ".join(str(self.specialties.get(s, s)) for s in value)
        if field == "start_time" and isinstance(value, str):
            return value[:5]  # HH:MM
        choices = _choices(model, field)
        if choices:
            return str(choices.get(value, value))
        return str(value)


def _model_of(event: Event) -> type[models.Model]:
    if event.aggregate_type == "gym_class":
        return GymClass
    if event.command.startswith("Certification"):
        return Certification
    return Trainer


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any] | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:  # specialties on a class, say
        return None
    return field if isinstance(field, models.Field) else None


def _label(model: type[models.Model], name: str) -> str:
    field = _field(model, name)
    return str(field.verbose_name) if field is not None else name.replace("_", " ")


def _choices(model: type[models.Model], name: str) -> dict[Any, str]:
    field = _field(model, name)
    return {k: str(v) for k, v in field.flatchoices} if field is not None else {}
