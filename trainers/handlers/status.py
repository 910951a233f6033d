"""Publication status: publish, unpublish, put on leave, retire."""

from __future__ import annotations

from trainers import errors
from trainers.commands import TrainerPublish, TrainerPutOnLeave, TrainerRetire, TrainerUnpublish
from trainers.cqrs import SYSTEM, Actor
from trainers.handlers._base import command_transaction, save_new_version
from trainers.handlers.trainer import AGGREGATE, lock_trainer
from trainers.models import Status, Trainer

StatusCommand = TrainerPublish | TrainerUnpublish | TrainerPutOnLeave | TrainerRetire

# command -> (target status, the statuses it may start from, the verb for messages)
TRANSITIONS: dict[type, tuple[Status, frozenset[Status], str]] = {
    TrainerPublish: (Status.PUBLISHED, frozenset({Status.DRAFT, Status.ON_LEAVE}), "published"),
    TrainerUnpublish: (
        Status.DRAFT,
        frozenset({Status.PUBLISHED, Status.ON_LEAVE, Status.RETIRED}),
        "unpublished",
    ),
    TrainerPutOnLeave: (Status.ON_LEAVE, frozenset({Status.PUBLISHED}), "put on leave"),
    TrainerRetire: (
        Status.RETIRED,
        frozenset({Status.DRAFT, Status.PUBLISHED, Status.ON_LEAVE}),
        "retired",
    ),
}


def trainer_change_status(command: StatusCommand, *, actor: Actor = SYSTEM) -> Trainer:
    target, sources, verb = TRANSITIONS[type(command)]
    with command_transaction():
        trainer = lock_trainer(command.trainer_id, command.expected_version, actor)
        if trainer.status not in sources:
            current = Status(trainer.status).label.lower()
            raise errors.RuleViolation(
                errors.TRANSITION_NOT_ALLOWED.format(current=current, action=verb), field="status"
            )
        changes = {"status": {"old": trainer.status, "new": target.value}}
        trainer.status = target
        save_new_version(
            trainer,
            command,
            aggregate_type=AGGREGATE,
            actor=actor,
            update_fields=["status", "version", "updated_at"],
            changes=changes,
        )
    return trainer


def allowed_commands(status: str) -> list[type]:
    """The status commands a trainer in ``status`` may take, in ``TRANSITIONS`` order."""
    return [command for command, (_, sources, _) in TRANSITIONS.items() if status in sources]


def status_path(start: str, goal: str) -> list[type]:
    """The fewest status commands from ``start`` to ``goal`` (an undo): [] when equal.

    Retiring a published trainer is undone by unpublish then publish: no command goes
    from retired to published directly.
    """
    paths: dict[str, list[type]] = {start: []}
    frontier = [start]
    while frontier and goal not in paths:
        following: list[str] = []
        for status in frontier:
            for command in allowed_commands(status):
                target = TRANSITIONS[command][0]
                if target not in paths:
                    paths[target] = [*paths[status], command]
                    following.append(target)
        frontier = following
    if goal not in paths:
        raise LookupError(f"no status commands lead from {start} to {goal}")
    return paths[goal]
