"""Handlers for the parts of a trainer's profile: certifications and weekly classes."""

from __future__ import annotations

import uuid
from datetime import date, time
from typing import Any

import pytest

from tests.trainers.conftest import events_of, schedule_command
from trainers import errors
from trainers.commands import (
    CertificationAdd,
    CertificationRemove,
    CertificationUpdate,
    GymClassCancel,
    GymClassReschedule,
)
from trainers.cqrs import Actor
from trainers.handlers import (
    certification_add,
    certification_remove,
    certification_update,
    gym_class_cancel,
    gym_class_reschedule,
    gym_class_schedule,
)
from trainers.models import Branch, Certification, Event, GymClass, Trainer

pytestmark = pytest.mark.django_db

MISSING = uuid.UUID("00000000-0000-4000-8000-000000000000")


def state(*objects: Any) -> tuple[Any, ...]:
    """The rows a failed command must leave as they were, plus the event count."""
    rows = []
    for obj in objects:
        fresh = type(obj).objects.filter(pk=obj.pk).values().first()
        rows.append(fresh)
    return (*rows, Event.objects.count())


def add_command(trainer_id: Any, **overrides: Any) -> CertificationAdd:
    fields: dict[str, Any] = {
        "trainer_id": trainer_id,
        "name": "CSCS",
        "issuer": "NSCA",
        "issued_on": date(2022, 5, 1),
        "expires_on": date(2025, 5, 1),
        **overrides,
    }
    return CertificationAdd(**fields)


class TestCertificationAdd:
    def test_adds_it_and_bumps_the_trainer(self, trainer: Trainer, actor: Actor) -> None:
        cert = certification_add(
            add_command(trainer.pk, name=" CSCS ", expected_version=1), actor=actor
        )
        cert.refresh_from_db()
        trainer.refresh_from_db()
        assert (cert.trainer, cert.name, cert.issuer) == (trainer, "CSCS", "NSCA")
        assert trainer.version == 2
        event = events_of(trainer.pk)[-1]
        assert (event.aggregate_type, event.command, event.version, event.actor_name) == (
            "trainer",
            "CertificationAdd",
            2,
            "coach-admin",
        )
        assert event.payload["issued_on"] == "2022-05-01"

    def test_it_may_never_expire(self, trainer: Trainer) -> None:
        cert = certification_add(add_command(trainer.pk, expires_on=None))
        assert Certification.objects.get(pk=cert.pk).expires_on is None

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"expires_on": date(2022, 4, 30)}, "expires_on", errors.CERTIFICATION_DATES),
            ({"expires_on": date(2022, 5, 1)}, "expires_on", errors.CERTIFICATION_DATES),
            ({"name": " "}, "name", "This field cannot be blank."),
            ({"name": "n" * 161}, "name", None),
            ({"issuer": ""}, "issuer", "This field cannot be blank."),
            ({"issuer": "i" * 161}, "issuer", None),
        ],
    )
    def test_invalid_input_is_refused(
        self, trainer: Trainer, overrides: dict[str, Any], field: str, message: str | None
    ) -> None:
        before = state(trainer)
        with pytest.raises(errors.InvalidInput) as exc:
            certification_add(add_command(trainer.pk, **overrides))
        assert field in exc.value.errors
        if message is not None:
            assert exc.value.errors[field] == [message]
        assert state(trainer) == before
        assert not Certification.objects.exists()

    def test_a_stale_version_is_refused(self, trainer: Trainer) -> None:
        before = state(trainer)
        with pytest.raises(errors.VersionConflict):
            certification_add(add_command(trainer.pk, expected_version=2))
        assert state(trainer) == before
        assert not Certification.objects.exists()

    @pytest.mark.parametrize("trainer_id", [MISSING, "nope", None])
    def test_an_unknown_trainer_is_not_found(self, db: None, trainer_id: Any) -> None:
        with pytest.raises(errors.NotFound) as exc:
            certification_add(add_command(trainer_id))
        assert exc.value.message == errors.NOT_FOUND.format(entity="Trainer", key=trainer_id)


class TestCertificationUpdate:
    def test_changes_only_the_given_fields(
        self, trainer: Trainer, certification: Certification, actor: Actor
    ) -> None:
        certification_update(
            CertificationUpdate(
                trainer_id=trainer.pk,
                certification_id=certification.pk,
                expected_version=2,
                issuer="Yoga Alliance Professionals",
                expires_on=None,
            ),
            actor=actor,
        )
        certification.refresh_from_db()
        trainer.refresh_from_db()
        assert (certification.name, certification.issuer, certification.expires_on) == (
            "RYT-200",
            "Yoga Alliance Professionals",
            None,
        )
        assert trainer.version == 3
        event = events_of(trainer.pk)[-1]
        assert (event.command, event.version) == ("CertificationUpdate", 3)
        assert event.payload == {
            "trainer_id": str(trainer.pk),
            "certification_id": certification.pk,
            "issuer": "Yoga Alliance Professionals",
            "expires_on": None,
        }

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"expires_on": date(2020, 1, 1)}, "expires_on"),
            ({"issued_on": date(2024, 6, 1)}, "expires_on"),
            ({"name": ""}, "name"),
        ],
    )
    def test_invalid_input_is_refused(
        self,
        trainer: Trainer,
        certification: Certification,
        changes: dict[str, Any],
        field: str,
    ) -> None:
        before = state(trainer, certification)
        with pytest.raises(errors.InvalidInput) as exc:
            certification_update(
                CertificationUpdate(
                    trainer_id=trainer.pk, certification_id=certification.pk, **changes
                )
            )
        assert field in exc.value.errors
        assert state(trainer, certification) == before

    def test_a_stale_version_is_refused(
        self, trainer: Trainer, certification: Certification
    ) -> None:
        before = state(trainer, certification)
        with pytest.raises(errors.VersionConflict):
            certification_update(
                CertificationUpdate(
                    trainer_id=trainer.pk,
                    certification_id=certification.pk,
                    expected_version=1,
                    name="X",
                )
            )
        assert state(trainer, certification) == before

    @pytest.mark.parametrize("certification_id", [10**9, "abc", -1])
    def test_an_unknown_certification_is_not_found(
        self, trainer: Trainer, certification: Certification, certification_id: Any
    ) -> None:
        before = state(trainer, certification)
        with pytest.raises(errors.NotFound) as exc:
            certification_update(
                CertificationUpdate(
                    trainer_id=trainer.pk, certification_id=certification_id, name="X"
                )
            )
        assert exc.value.message == errors.NOT_FOUND.format(
            entity="Certification", key=certification_id
        )
        assert state(trainer, certification) == before

    def test_another_trainers_certification_is_not_found(
        self, certification: Certification, other_trainer: Trainer
    ) -> None:
        with pytest.raises(errors.NotFound):
            certification_update(
                CertificationUpdate(
                    trainer_id=other_trainer.pk, certification_id=certification.pk, name="X"
                )
            )
        assert Certification.objects.get(pk=certification.pk).name == "RYT-200"


class TestCertificationRemove:
    def test_removes_it_and_bumps_the_trainer(
        self, trainer: Trainer, certification: Certification, actor: Actor
    ) -> None:
        certification_remove(
            CertificationRemove(
                trainer_id=trainer.pk, certification_id=certification.pk, expected_version=2
            ),
            actor=actor,
        )
        assert not Certification.objects.exists()
        trainer.refresh_from_db()
        assert trainer.version == 3
        event = events_of(trainer.pk)[-1]
        assert (event.command, event.version, event.actor_name) == (
            "CertificationRemove",
            3,
            "coach-admin",
        )

    def test_a_stale_version_is_refused(
        self, trainer: Trainer, certification: Certification
    ) -> None:
        before = state(trainer, certification)
        with pytest.raises(errors.VersionConflict):
            certification_remove(
                CertificationRemove(
                    trainer_id=trainer.pk, certification_id=certification.pk, expected_version=1
                )
            )
        assert state(trainer, certification) == before

    @pytest.mark.parametrize("certification_id", [10**9, "x"])
    def test_an_unknown_certification_is_not_found(
        self, trainer: Trainer, certification_id: Any
    ) -> None:
        before = state(trainer)
        with pytest.raises(errors.NotFound):
            certification_remove(
                CertificationRemove(trainer_id=trainer.pk, certification_id=certification_id)
            )
        assert state(trainer) == before


class TestGymClassSchedule:
    def test_schedules_it_and_records_the_event(self, trainer: Trainer, actor: Actor) -> None:
        gym_class = gym_class_schedule(schedule_command(trainer.pk, title=" Flow "), actor=actor)
        gym_class.refresh_from_db()
        assert (gym_class.title, gym_class.trainer, gym_class.version) == ("Flow", trainer, 1)
        (event,) = Event.objects.filter(aggregate_type="gym_class", aggregate_id=gym_class.pk)
        assert (event.command, event.version, event.actor_name) == (
            "GymClassSchedule",
            1,
            "coach-admin",
        )
        assert event.payload["start_time"] == "09:00:00"

    @pytest.mark.parametrize(
        "overrides",
        [
            {"start_time": time(10, 0)},
            {"start_time": time(7, 30), "duration_minutes": 90},
            {"weekday": 2},
        ],
    )
    def test_back_to_back_or_other_days_do_not_overlap(
        self, gym_class: GymClass, overrides: dict[str, Any]
    ) -> None:
        gym_class_schedule(schedule_command(gym_class.trainer_id, **overrides))
        assert GymClass.objects.count() == 2

    def test_another_trainer_may_teach_at_the_same_time(
        self, gym_class: GymClass, other_trainer: Trainer
    ) -> None:
        gym_class_schedule(schedule_command(other_trainer.pk))
        assert GymClass.objects.count() == 2

    @pytest.mark.parametrize(
        "overrides",
        [
            {},
            {"start_time": time(9, 59)},
            {"start_time": time(8, 30), "duration_minutes": 31},
            {"start_time": time(8, 0), "duration_minutes": 180},
        ],
    )
    def test_an_overlapping_class_is_refused(
        self, trainer: Trainer, gym_class: GymClass, overrides: dict[str, Any]
    ) -> None:
        before = state(gym_class)
        with pytest.raises(errors.RuleViolation) as exc:
            gym_class_schedule(schedule_command(trainer.pk, title="Power Hour", **overrides))
        assert exc.value.message == errors.CLASS_OVERLAP.format(
            trainer="Ada Lovelace", title="Morning Flow", weekday="Monday", start="09:00"
        )
        assert exc.value.field == "start_time"
        assert state(gym_class) == before
        assert GymClass.objects.count() == 1

    @pytest.mark.parametrize(
        ("late", "early", "clash"),
        [
            # Sunday 23:30 for 120 minutes ends Monday 01:30: the week's end wraps.
            ((7, time(23, 30), 120), (1, time(0, 30), 120), True),
            ((1, time(0, 30), 120), (7, time(23, 30), 120), True),
            # Across midnight inside the week.
            ((2, time(23, 0), 90), (3, time(0, 15), 30), True),
            ((7, time(23, 30), 30), (1, time(0, 0), 60), False),
            ((2, time(23, 0), 60), (3, time(0, 0), 30), False),
        ],
    )
    def test_overlap_is_checked_across_midnight_and_the_weeks_end(
        self,
        trainer: Trainer,
        late: tuple[int, time, int],
        early: tuple[int, time, int],
        clash: bool,
    ) -> None:
        first, second = (
            schedule_command(
                trainer.pk, title=title, weekday=day, start_time=at, duration_minutes=n
            )
            for title, (day, at, n) in (("Late", late), ("Early", early))
        )
        gym_class_schedule(first)
        if not clash:
            gym_class_schedule(second)
            assert GymClass.objects.count() == 2
            return
        with pytest.raises(errors.RuleViolation) as exc:
            gym_class_schedule(second)
        assert exc.value.field == "start_time"
        assert "Late" in exc.value.message and "overlaps" in exc.value.message
        assert GymClass.objects.count() == 1

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"capacity": 0}, "capacity", errors.CLASS_CAPACITY),
            ({"capacity": -1}, "capacity", None),
            ({"capacity": 40000}, "capacity", None),
            ({"duration_minutes": 0}, "duration_minutes", errors.CLASS_DURATION),
            ({"duration_minutes": 601}, "duration_minutes", errors.CLASS_DURATION),
            ({"weekday": 0}, "weekday", None),
            ({"weekday": 8}, "weekday", None),
            ({"title": ""}, "title", "This field cannot be blank."),
            ({"title": "t" * 121}, "title", None),
            (
                {"branch": "atlantis"},
                "branch",
                errors.UNKNOWN_REFERENCE.format(entity="branch", key="atlantis"),
            ),
        ],
    )
    def test_invalid_input_is_refused(
        self, trainer: Trainer, overrides: dict[str, Any], field: str, message: str | None
    ) -> None:
        before = state(trainer)
        with pytest.raises(errors.InvalidInput) as exc:
            gym_class_schedule(schedule_command(trainer.pk, **overrides))
        assert field in exc.value.errors
        if message is not None:
            assert exc.value.errors[field] == [message]
        assert state(trainer) == before
        assert not GymClass.objects.exists()

    @pytest.mark.parametrize("trainer_id", [MISSING, "not-a-uuid", None])
    def test_an_unknown_trainer_is_invalid_input(self, branch: Branch, trainer_id: Any) -> None:
        with pytest.raises(errors.InvalidInput) as exc:
            gym_class_schedule(schedule_command(trainer_id))
        assert exc.value.errors == {
            "trainer_id": [errors.UNKNOWN_REFERENCE.format(entity="trainer", key=trainer_id)]
        }
        assert (GymClass.objects.count(), Event.objects.count()) == (0, 1)


class TestGymClassReschedule:
    def test_changes_only_the_given_fields(self, gym_class: GymClass, actor: Actor) -> None:
        gym_class_reschedule(
            GymClassReschedule(class_id=gym_class.pk, expected_version=1, start_time=time(9, 30)),
            actor=actor,
        )
        fresh = GymClass.objects.get(pk=gym_class.pk)
        assert (fresh.start_time, fresh.title, fresh.capacity, fresh.version) == (
            time(9, 30),
            "Morning Flow",
            12,
            2,
        )
        event = Event.objects.filter(aggregate_type="gym_class").last()
        assert event is not None
        assert (event.command, event.version, event.aggregate_id) == (
            "GymClassReschedule",
            2,
            str(gym_class.pk),
        )
        assert event.payload == {"class_id": gym_class.pk, "start_time": "09:30:00"}

    def test_moves_to_another_trainer_and_branch(
        self, gym_class: GymClass, other_trainer: Trainer, other_branch: Branch
    ) -> None:
        gym_class_reschedule(
            GymClassReschedule(class_id=gym_class.pk, trainer_id=other_trainer.pk, branch="north")
        )
        fresh = GymClass.objects.get(pk=gym_class.pk)
        assert (fresh.trainer, fresh.branch) == (other_trainer, other_branch)

    def test_moving_onto_another_class_is_refused(self, gym_class: GymClass) -> None:
        later = gym_class_schedule(schedule_command(gym_class.trainer_id, start_time=time(11, 0)))
        before = state(gym_class, later)
        with pytest.raises(errors.RuleViolation):
            gym_class_reschedule(GymClassReschedule(class_id=later.pk, start_time=time(9, 30)))
        assert state(gym_class, later) == before

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"capacity": 0}, "capacity"),
            ({"duration_minutes": 0}, "duration_minutes"),
            ({"weekday": 9}, "weekday"),
            ({"branch": "atlantis"}, "branch"),
            ({"trainer_id": MISSING}, "trainer_id"),
            ({"trainer_id": "bad"}, "trainer_id"),
        ],
    )
    def test_invalid_input_is_refused(
        self, gym_class: GymClass, changes: dict[str, Any], field: str
    ) -> None:
        before = state(gym_class)
        with pytest.raises(errors.InvalidInput) as exc:
            gym_class_reschedule(GymClassReschedule(class_id=gym_class.pk, **changes))
        assert field in exc.value.errors
        assert state(gym_class) == before

    def test_a_stale_version_is_refused(self, gym_class: GymClass) -> None:
        before = state(gym_class)
        with pytest.raises(errors.VersionConflict) as exc:
            gym_class_reschedule(
                GymClassReschedule(class_id=gym_class.pk, expected_version=4, capacity=5)
            )
        assert exc.value.message == errors.VERSION_CONFLICT.format(
            entity="Class", key=gym_class.pk, actual=1, expected=4
        )
        assert state(gym_class) == before

    @pytest.mark.parametrize("class_id", [10**9, "abc"])
    def test_an_unknown_class_is_not_found(self, db: None, class_id: Any) -> None:
        with pytest.raises(errors.NotFound) as exc:
            gym_class_reschedule(GymClassReschedule(class_id=class_id, capacity=5))
        assert exc.value.message == errors.NOT_FOUND.format(entity="Class", key=class_id)


class TestGymClassCancel:
    def test_cancels_it_and_records_the_event(self, gym_class: GymClass, actor: Actor) -> None:
        gym_class_cancel(GymClassCancel(class_id=gym_class.pk, expected_version=1), actor=actor)
        assert not GymClass.objects.exists()
        event = Event.objects.last()
        assert event is not None
        assert (event.command, event.version, event.aggregate_id, event.actor_name) == (
            "GymClassCancel",
            2,
            str(gym_class.pk),
            "coach-admin",
        )

    def test_a_stale_version_is_refused(self, gym_class: GymClass) -> None:
        before = state(gym_class)
        with pytest.raises(errors.VersionConflict):
            gym_class_cancel(GymClassCancel(class_id=gym_class.pk, expected_version=2))
        assert state(gym_class) == before

    @pytest.mark.parametrize("class_id", [10**9, "abc"])
    def test_an_unknown_class_is_not_found(self, db: None, class_id: Any) -> None:
        with pytest.raises(errors.NotFound):
            gym_class_cancel(GymClassCancel(class_id=class_id))
        assert not Event.objects.exists()
