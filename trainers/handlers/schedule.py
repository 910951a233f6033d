"""Scheduled status changes: schedule, cancel, and run the due ones.

A due change runs as the normal status command (``trainer_change_status``), in the same
transaction that marks it done: the row is taken with ``FOR UPDATE SKIP LOCKED``, so two
schedulers (processes, threads) never run one change twice, and a crash between the two
leaves it pending, to run on the next pass. A change the trainer's status no longer
allows is marked failed, with the reason.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from trainers import commands as c
from trainers import errors
from trainers.access import ensure_branches
from trainers.cqrs import SYSTEM, Actor
from trainers.handlers._base import command_transaction, lock, record
from trainers.handlers.status import trainer_change_status
from trainers.models import ScheduleAction, ScheduledChange, ScheduleState, Trainer

logger = logging.getLogger(__name__)

ACTIONS: dict[
    str, type[c.TrainerPublish | c.TrainerUnpublish | c.TrainerPutOnLeave | c.TrainerRetire]
] = {
    ScheduleAction.PUBLISH: c.TrainerPublish,
    ScheduleAction.UNPUBLISH: c.TrainerUnpublish,
    ScheduleAction.LEAVE: c.TrainerPutOnLeave,
    ScheduleAction.RETURN: c.TrainerPublish,
    ScheduleAction.RETIRE: c.TrainerRetire,
}
UNKNOWN_ACTION = "Choose one of: {actions}."
NAIVE_TIME = "Give the time with its offset, such as 2027-01-04T09:00:00+01:00."
ALREADY_RUN = "This change is {state} already: only a pending change can be cancelled."
RETURN_NEEDS_LEAVE = "Only a trainer on leave can come back from leave."


def status_change_schedule(
    command: c.StatusChangeSchedule, *, actor: Actor = SYSTEM
) -> ScheduledChange:
    if command.action not in ACTIONS:
        actions = ", ".join(ACTIONS)
        raise errors.InvalidInput({"action": [UNKNOWN_ACTION.format(actions=actions)]})
    if timezone.is_naive(command.at):
        raise errors.InvalidInput({"at": [NAIVE_TIME]})
    with command_transaction():
        trainer = lock(Trainer.objects.all(), "Trainer", command.trainer_id, pk=command.trainer_id)
        ensure_branches(actor, [trainer.branch_id])
        change = ScheduledChange.objects.create(
            trainer=trainer,
            action=command.action,
            run_at=command.at,
            created_by_id=actor.user_id,
            created_by_name=actor.name,
        )
        _record(command, change, actor, old=None, new=describe(change))
        return change


def describe(change: ScheduledChange) -> str:
    return f"{change.get_action_display()} at {change.run_at.isoformat(timespec='minutes')}"


def _record(
    command: object, change: ScheduledChange, actor: Actor, *, old: str | None, new: str | None
) -> None:
    """The trainer's history shows what was scheduled or cancelled (no new version)."""
    trainer = change.trainer
    record(
        command,
        aggregate_type="trainer",
        aggregate_id=trainer.pk,
        version=trainer.version,
        actor=actor,
        changes={"scheduled": {"old": old, "new": new}},
    )


def status_change_cancel(
    command: c.StatusChangeCancel, *, actor: Actor = SYSTEM
) -> ScheduledChange:
    with command_transaction():
        changes = ScheduledChange.objects.select_related("trainer")
        if command.trainer_id is not None:
            changes = changes.filter(trainer_id=command.trainer_id)
        change = lock(changes, "Scheduled change", command.change_id, pk=command.change_id)
        ensure_branches(actor, [change.trainer.branch_id])
        if change.state != ScheduleState.PENDING:
            raise errors.RuleViolation(
                ALREADY_RUN.format(state=change.get_state_display().lower()), field="state"
            )
        change.state = ScheduleState.CANCELLED
        change.save(update_fields=["state"])
        _record(command, change, actor, old=describe(change), new=None)
        return change


def run_due(now: datetime | None = None, *, limit: int = 100) -> int:
    """Run the changes due at ``now``, each once, each in its own transaction."""
    ran = 0
    while ran < limit and _run_one(now or timezone.now()):
        ran += 1
    return ran


def _run_one(now: datetime) -> bool:
    with transaction.atomic():
        change = (
            ScheduledChange.objects.select_for_update(skip_locked=True)
            .filter(state=ScheduleState.PENDING, run_at__lte=now)
            .order_by("run_at", "id")
            .first()
        )
        if change is None:
            return False
        actor = Actor(user_id=change.created_by_id, name=f"scheduler for {change.created_by_name}")
        try:
            with transaction.atomic():
                if change.action == ScheduleAction.RETURN:
                    status = (
                        Trainer.objects.filter(pk=change.trainer_id)
                        .values_list("status", flat=True)
                        .first()
                    )
                    if status != "on_leave":
                        raise errors.RuleViolation(RETURN_NEEDS_LEAVE, field="status")
                trainer_change_status(ACTIONS[change.action](change.trainer_id), actor=actor)
        except errors.DomainError as error:
            change.state, change.error = ScheduleState.FAILED, error.message
        else:
            change.state = ScheduleState.DONE
        change.ran_at = timezone.now()
        change.save(update_fields=["state", "error", "ran_at"])
        logger.info("scheduled change %s %s: %s", change.pk, change.action, change.state)
        return True
