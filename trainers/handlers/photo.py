"""A trainer's photo: set from an upload, remove."""

from __future__ import annotations

from typing import Any

from trainers.commands import TrainerRemovePhoto, TrainerSetPhoto
from trainers.cqrs import SYSTEM, Actor
from trainers.handlers._base import command_transaction, save_new_version
from trainers.handlers.trainer import AGGREGATE, lock_trainer
from trainers.models import Trainer
from trainers.photos import files
from trainers.photos.renditions import render

_SAVED = ["photo", "version", "updated_at"]


def trainer_set_photo(command: TrainerSetPhoto, *, actor: Actor = SYSTEM) -> Trainer:
    # Checked and rendered before any lock is taken or any file written.
    renditions = render(command.content)
    with command_transaction():
        trainer = lock_trainer(command.trainer_id, command.expected_version, actor)
        previous = trainer.photo
        trainer.photo = files.store(renditions, files.folder(trainer.pk))
        _save(trainer, command, actor, previous)
        files.delete_after_commit(
            files.files_of(previous, trainer.pk) - files.files_of(trainer.photo, trainer.pk)
        )
    return trainer


def trainer_remove_photo(command: TrainerRemovePhoto, *, actor: Actor = SYSTEM) -> Trainer:
    """Remove the photo; a trainer without one is left as it is (no new version)."""
    with command_transaction():
        trainer = lock_trainer(command.trainer_id, command.expected_version, actor)
        if trainer.photo is None:
            return trainer
        previous, trainer.photo = trainer.photo, None
        _save(trainer, command, actor, previous)
        files.delete_after_commit(files.files_of(previous, trainer.pk))
    return trainer


def _save(
    trainer: Trainer,
    command: TrainerSetPhoto | TrainerRemovePhoto,
    actor: Actor,
    previous: dict[str, Any] | None,
) -> None:
    payload: dict[str, Any] = {"trainer_id": str(trainer.pk), "photo": _summary(trainer.photo)}
    # The history shows the photo's address before and after (docs/admin.md).
    old, new = (photo["url"] if photo else None for photo in (previous, trainer.photo))
    save_new_version(
        trainer,
        command,
        aggregate_type=AGGREGATE,
        actor=actor,
        update_fields=_SAVED,
        payload=payload,
        changes={"photo": {"old": old, "new": new}},
    )


def _summary(photo: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the event records of a photo: where it is and its size, not its bytes."""
    if photo is None:
        return None
    return {key: photo[key] for key in ("url", "width", "height", "files")}
