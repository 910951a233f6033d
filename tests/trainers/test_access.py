"""Branch managers: limited to their branches in every handler (admin, API, import...)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from tests.trainers.conftest import register_command, schedule_command
from trainers import commands as c
from trainers import errors
from trainers.cqrs import Actor
from trainers.handlers import dispatch, trainer_register
from trainers.models import Branch, BranchGrant, Event, Trainer


@pytest.fixture
def manager(branch: Branch, other_branch: Branch) -> Actor:
    """Limited to Central (``branch``)."""
    user = User.objects.create_user("central-boss", is_staff=True)
    BranchGrant.objects.create(user=user, branch=branch)
    return Actor.of(user)


@pytest.fixture
def north_trainer(other_branch: Branch, yoga: object) -> Trainer:
    return trainer_register(
        register_command(email="nils@example.com", first_name="Nils", branch="north")
    )


def refused(run: Callable[[], Any]) -> errors.OutsideYourBranches:
    before = Event.objects.count()
    with pytest.raises(errors.OutsideYourBranches) as exc:
        run()
    assert Event.objects.count() == before
    assert exc.value.field == "branch"
    assert exc.value.message == errors.OUTSIDE_BRANCHES.format(branches="Central")
    return exc.value


def test_a_manager_changes_their_branch(manager: Actor, trainer: Trainer) -> None:
    dispatch(c.TrainerUpdateProfile(trainer.pk, bio="Mine."), actor=manager)
    dispatch(c.TrainerPublish(trainer.pk), actor=manager)
    dispatch(schedule_command(trainer.pk), actor=manager)
    assert Trainer.objects.get(pk=trainer.pk).version == 3


@pytest.mark.parametrize(
    "command",
    [
        lambda t, n: register_command(email="x@example.com", branch="north"),
        lambda t, n: c.TrainerUpdateProfile(n.pk, bio="Not yours."),
        lambda t, n: c.TrainerUpdateProfile(t.pk, branch="north"),
        lambda t, n: c.TrainerPublish(n.pk),
        lambda t, n: c.TrainerDelete(n.pk),
        lambda t, n: c.TrainerRestore(n.pk, version=1),
        lambda t, n: c.TrainerSetSpecialties(n.pk, ()),
        lambda t, n: c.CertificationAdd(n.pk, "CPR", "Red Cross", date(2020, 1, 1)),
        lambda t, n: schedule_command(n.pk),
        lambda t, n: schedule_command(t.pk, branch="north"),
        lambda t, n: c.StatusChangeSchedule(n.pk, "publish", datetime(2027, 1, 4, tzinfo=UTC)),
        lambda t, n: c.TrainerImport(
            trainers=(register_command(email="y@example.com", branch="north"),)
        ),
    ],
)
def test_a_manager_cannot_touch_another_branch(
    manager: Actor, trainer: Trainer, north_trainer: Trainer, command: Any
) -> None:
    refused(lambda: dispatch(command(trainer, north_trainer), actor=manager))


def test_a_class_of_another_branch_cannot_be_moved_or_cancelled(
    manager: Actor, north_trainer: Trainer
) -> None:
    gym_class = dispatch(schedule_command(north_trainer.pk, branch="north"))
    refused(lambda: dispatch(c.GymClassReschedule(gym_class.pk, capacity=3), actor=manager))
    refused(lambda: dispatch(c.GymClassCancel(gym_class.pk), actor=manager))


def test_a_scheduled_status_change_of_another_branch_cannot_be_cancelled(
    manager: Actor, north_trainer: Trainer
) -> None:
    at = datetime(2027, 1, 4, tzinfo=UTC)
    change = dispatch(c.StatusChangeSchedule(north_trainer.pk, "publish", at))
    refused(lambda: dispatch(c.StatusChangeCancel(change.pk), actor=manager))
    change.refresh_from_db()
    assert change.state == "pending"


def test_without_grants_every_branch(north_trainer: Trainer) -> None:
    user = User.objects.create_user("head-office", is_staff=True)
    dispatch(c.TrainerPublish(north_trainer.pk), actor=Actor.of(user))


def test_grant_branch_command(branch: Branch, other_branch: Branch) -> None:
    User.objects.create_user("maria", is_staff=True)
    out = StringIO()
    call_command("grant_branch", "maria", "central", stdout=out)
    call_command("grant_branch", "maria", "north", stdout=out)
    assert out.getvalue().splitlines()[-1] == "maria may change: Central, North"
    call_command("grant_branch", "maria", "north", "--revoke", stdout=out)
    assert out.getvalue().splitlines()[-1] == "maria may change: Central"
    with pytest.raises(CommandError, match="No branch 'atlantis'"):
        call_command("grant_branch", "maria", "atlantis")
    with pytest.raises(CommandError, match="No user 'nobody'"):
        call_command("grant_branch", "nobody", "central")
