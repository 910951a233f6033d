"""Erasure of a trainer's personal data (issue 17: a departed trainer's right to erasure).

One transaction: the trainer is deleted (their certifications and classes with them,
their photo's files after commit), every value of a personal field in the events of
their aggregate becomes ``ERASED`` (the events stay: which command, which fields, each
change's ``{"old", "new"}`` shape, who sent it, when), the idempotency
records that hold a response about them are deleted, the admin's log entries about them
lose their description, and a ``TrainerErase`` event records the erasure (with counts,
no personal data). The triggers re-project the read model and the feed says ``delete``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from trainers.commands import TrainerErase
from trainers.cqrs import SYSTEM, Actor
from trainers.handlers._base import command_transaction, record
from trainers.handlers.trainer import AGGREGATE, lock_trainer
from trainers.models import Event, IdempotencyRecord, Trainer
from trainers.photos import files

ERASED = "[erased]"
# The trainer's fields that say who they are, as commands and responses name them.
PERSONAL = frozenset(
    {
        "first_name",
        "last_name",
        "name",
        "slug",
        "email",
        "phone",
        "date_of_birth",
        "bio",
        "photo",
        "photo_url",
        "internal_notes",
    }
)


def scrub(value: Any) -> Any:
    """``value`` with every personal field's value replaced, at any depth."""
    if isinstance(value, dict):
        return {
            key: (ERASED if key in PERSONAL and item not in (None, "") else scrub(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [scrub(item) for item in value]
    return value


def scrub_changes(changes: Any) -> Any:
    """The history's ``{field: {"old": ..., "new": ...}}`` with personal values replaced;
    each change keeps its shape (readers of the history expect one)."""
    if not isinstance(changes, dict):
        return scrub(changes)
    return {
        field: (
            {side: (ERASED if v not in (None, "") else v) for side, v in change.items()}
            if field in PERSONAL and isinstance(change, dict)
            else scrub(change)
        )
        for field, change in changes.items()
    }


def trainer_erase(command: TrainerErase, *, actor: Actor = SYSTEM) -> dict[str, int]:
    trainer_id = str(command.trainer_id)
    with command_transaction():
        trainer = lock_trainer(command.trainer_id, None, actor)
        version = trainer.version + 1
        trainer.delete()
        files.delete_after_commit(files.files_of(trainer.photo, trainer_id))
        # The trainer's own events, and those of their classes and certifications (which
        # name them in trainer_id); the history's old and new values are scrubbed too.
        events = list(
            Event.objects.select_for_update().filter(
                Q(aggregate_type=AGGREGATE, aggregate_id=trainer_id)
                | Q(trainer_id=command.trainer_id)
            )
        )
        for event in events:
            event.payload = scrub(event.payload)
            event.changes = scrub_changes(event.changes)
        Event.objects.bulk_update(events, ["payload", "changes"])
        records, _ = IdempotencyRecord.objects.filter(
            Q(response_body__id=trainer_id)
            | Q(response_body__trainer_id=trainer_id)
            | Q(path__contains=trainer_id)
        ).delete()
        log_entries = LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Trainer), object_id=trainer_id
        ).update(object_repr=ERASED, change_message="")
        counts = {
            "events_scrubbed": len(events),
            "idempotency_records_deleted": records,
            "admin_log_entries_scrubbed": log_entries,
        }
        record(
            command,
            aggregate_type=AGGREGATE,
            aggregate_id=trainer_id,
            version=version,
            actor=actor,
            payload={"trainer_id": trainer_id, **counts},
        )
    return counts
