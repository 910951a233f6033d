"""The weekly timetable: schedule, reschedule and cancel classes."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError

from trainers import errors
from trainers.access import ensure_branches
from trainers.commands import GymClassCancel, GymClassReschedule, GymClassSchedule, changed_fields
from trainers.cqrs import SYSTEM, Actor
from trainers.handlers._base import (
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
from trainers.handlers.trainer import branch_by_slug
from trainers.models import GymClass, Trainer, Weekday
from trainers.rules import spans_overlap, week_span

AGGREGATE = "gym_class"
FIELDS = ("title", "branch", "trainer", "weekday", "start_time", "duration_minutes", "capacity")


def gym_class_schedule(command: GymClassSchedule, *, actor: Actor = SYSTEM) -> GymClass:
    with command_transaction():
        gym_class = GymClass(
            title=command.title.strip(),
            branch=branch_by_slug(command.branch),
            trainer=trainer_for_class(command.trainer_id),
            weekday=command.weekday,
            start_time=command.start_time,
            duration_minutes=command.duration_minutes,
            capacity=command.capacity,
            version=1,
        )
        ensure_branches(actor, [gym_class.branch_id, gym_class.trainer.branch_id])
        validate(gym_class)
        ensure_no_overlap(gym_class)
        gym_class.save()
        record(
            command,
            aggregate_type=AGGREGATE,
            aggregate_id=gym_class.pk,
            version=1,
            actor=actor,
            changes=created(snapshot(gym_class, FIELDS)),
            trainer_id=gym_class.trainer_id,
            subject=str(gym_class),
        )
    return gym_class


def gym_class_reschedule(command: GymClassReschedule, *, actor: Actor = SYSTEM) -> GymClass:
    changes = changed_fields(command, exclude=("class_id", "expected_version"))
    with command_transaction():
        gym_class = lock_class(command.class_id, command.expected_version, actor)
        if "branch" in changes:
            changes["branch"] = branch_by_slug(changes["branch"])
        if "trainer_id" in changes:
            changes["trainer"] = trainer_for_class(changes.pop("trainer_id"))
        before = snapshot(gym_class, FIELDS)
        apply_changes(gym_class, changes)
        ensure_branches(actor, [gym_class.branch_id, gym_class.trainer.branch_id])
        validate(gym_class)
        ensure_no_overlap(gym_class)
        save_new_version(
            gym_class,
            command,
            aggregate_type=AGGREGATE,
            actor=actor,
            changes=diff(before, snapshot(gym_class, FIELDS)),
            trainer_id=gym_class.trainer_id,
            subject=str(gym_class),
        )
    return gym_class


def gym_class_cancel(command: GymClassCancel, *, actor: Actor = SYSTEM) -> None:
    with command_transaction():
        gym_class = lock_class(command.class_id, command.expected_version, actor)
        version = gym_class.version + 1
        before, trainer_id, subject = (
            snapshot(gym_class, FIELDS),
            gym_class.trainer_id,
            str(gym_class),
        )
        gym_class.delete()
        record(
            command,
            aggregate_type=AGGREGATE,
            aggregate_id=command.class_id,
            version=version,
            actor=actor,
            changes=removed(before),
            trainer_id=trainer_id,
            subject=subject,
        )


def lock_class(class_id: int, expected_version: int | None, actor: Actor) -> GymClass:
    """Lock the class, check the version the command expects and the actor's branches (the
    class's and its trainer's)."""
    gym_class = lock_version(
        GymClass.objects.all(),
        "Class",
        class_id,
        expected_version,
        pk=class_id,
    )
    ensure_branches(actor, [gym_class.branch_id, gym_class.trainer.branch_id])
    return gym_class


def trainer_for_class(trainer_id: UUID | None) -> Trainer:
    # Lock the trainer: two classes scheduled for one trainer at once must not both pass
    # the overlap check.
    try:
        if trainer_id is None:
            raise Trainer.DoesNotExist
        return Trainer.objects.select_for_update().get(pk=trainer_id)
    except (Trainer.DoesNotExist, ValidationError, ValueError) as exc:
        raise errors.InvalidInput(
            {"trainer_id": [errors.UNKNOWN_REFERENCE.format(entity="trainer", key=trainer_id)]}
        ) from exc


def ensure_no_overlap(gym_class: GymClass) -> None:
    """A trainer teaches one class at a time, also across midnight and the week's end."""
    span = week_span(gym_class.weekday, gym_class.start_time, gym_class.duration_minutes)
    others = GymClass.objects.filter(trainer=gym_class.trainer)
    if gym_class.pk:
        others = others.exclude(pk=gym_class.pk)
    for other in others:
        if spans_overlap(span, week_span(other.weekday, other.start_time, other.duration_minutes)):
            raise errors.RuleViolation(
                errors.CLASS_OVERLAP.format(
                    trainer=gym_class.trainer,
                    title=other.title,
                    weekday=Weekday(other.weekday).label,
                    start=other.start_time.strftime("%H:%M"),
                ),
                field="start_time",
            )
