"""One readable history per trainer: each event's old and new values, classes and
certifications included, and restoring the profile as it was at a version."""

from __future__ import annotations

from datetime import date, time

import pytest

from tests.trainers.conftest import register_command, schedule_command
from trainers import commands as c
from trainers import errors
from trainers.handlers import dispatch
from trainers.history import HIDDEN, Names, summary
from trainers.models import Branch, Event, GymClass, Trainer
from trainers.selectors import trainer_events


def last(trainer: Trainer) -> Event:
    return trainer_events(trainer.pk, limit=1)[0]


class TestChanges:
    def test_a_registration_records_every_value_it_sets(self, trainer: Trainer) -> None:
        (event,) = Event.objects.filter(command="TrainerRegister")
        assert event.trainer_id == trainer.pk
        assert event.changes["first_name"] == {"old": None, "new": "Ada"}
        assert event.changes["branch"] == {"old": None, "new": "central"}
        assert event.changes["status"] == {"old": None, "new": "draft"}
        assert event.changes["specialties"] == {"old": None, "new": ["yoga"]}
        assert "phone" not in event.changes  # left empty

    def test_a_profile_change_records_old_and_new_of_what_changed_only(
        self, trainer: Trainer, other_branch: Branch
    ) -> None:
        dispatch(
            c.TrainerUpdateProfile(trainer.pk, first_name="Ada", phone=" +49 30 1 ", branch="north")
        )
        assert last(trainer).changes == {
            "phone": {"old": "", "new": "+49 30 1"},
            "branch": {"old": "central", "new": "north"},
        }

    def test_status_and_specialties(self, trainer: Trainer, strength: object) -> None:
        dispatch(c.TrainerPublish(trainer.pk))
        assert last(trainer).changes == {"status": {"old": "draft", "new": "published"}}
        dispatch(c.TrainerAssignSpecialty(trainer.pk, "strength"))
        assert last(trainer).changes == {
            "specialties": {"old": ["yoga"], "new": ["strength", "yoga"]}
        }

    def test_certifications_show_in_the_trainers_history(self, trainer: Trainer) -> None:
        cert = dispatch(c.CertificationAdd(trainer.pk, "CPR", "Red Cross", date(2022, 1, 1)))
        added = last(trainer)
        assert (added.subject, added.changes["issuer"]) == (
            "CPR (Red Cross)",
            {"old": None, "new": "Red Cross"},
        )
        dispatch(c.CertificationUpdate(trainer.pk, cert.pk, expires_on=date(2024, 1, 1)))
        assert last(trainer).changes == {"expires_on": {"old": None, "new": "2024-01-01"}}
        dispatch(c.CertificationRemove(trainer.pk, cert.pk))
        assert last(trainer).changes["name"] == {"old": "CPR", "new": None}
        assert summary(last(trainer)) == "Removed the certification CPR (Red Cross)"

    def test_classes_show_in_their_trainers_history(self, trainer: Trainer) -> None:
        gym_class = dispatch(schedule_command(trainer.pk))
        scheduled = last(trainer)
        assert scheduled.aggregate_type == "gym_class"
        assert scheduled.changes["trainer"] == {"old": None, "new": "Ada Lovelace"}
        dispatch(c.GymClassReschedule(gym_class.pk, start_time=time(18, 0), capacity=20))
        changed = last(trainer)
        assert changed.changes == {
            "start_time": {"old": "09:00:00", "new": "18:00:00"},
            "capacity": {"old": 12, "new": 20},
        }
        assert summary(changed) == "Changed the class Morning Flow (Monday 18:00)"
        lines = {line.label: (line.old, line.new) for line in Names().lines(changed, private=True)}
        assert lines == {"start time": ("09:00", "18:00"), "capacity": ("12", "20")}
        dispatch(c.GymClassCancel(gym_class.pk))
        assert last(trainer).command == "GymClassCancel"
        assert not GymClass.objects.exists()

    def test_a_bulk_import_records_its_values(self, branch: Branch, yoga: object) -> None:
        (trainer,) = dispatch(c.TrainerImport(trainers=(register_command(),)))
        event = last(trainer)
        assert event.changes["email"] == {"old": None, "new": "ada@example.com"}
        assert event.changes["specialties"] == {"old": None, "new": ["yoga"]}

    def test_names_labels_and_private_fields_in_plain_words(
        self, trainer: Trainer, other_branch: Branch
    ) -> None:
        dispatch(c.TrainerUpdateProfile(trainer.pk, branch="north", phone="+1 5", shift="night"))
        lines = Names().lines(last(trainer), private=False)
        shown = {line.label: (line.old, line.new) for line in lines}
        assert shown == {
            "branch": ("Central", "North"),
            "phone": (HIDDEN, HIDDEN),
            "shift": ("Morning", "Night"),
        }


class TestRestore:
    def test_puts_the_profile_back_as_a_new_version(self, trainer: Trainer) -> None:
        dispatch(c.TrainerUpdateProfile(trainer.pk, bio="Second.", phone="+1 2"))
        dispatch(c.TrainerUpdateProfile(trainer.pk, bio="Third."))
        dispatch(c.TrainerPublish(trainer.pk))
        version = Trainer.objects.get().version

        restored = dispatch(c.TrainerRestore(trainer.pk, version=2, expected_version=version))

        assert (restored.bio, restored.phone, restored.version) == ("Second.", "+1 2", version + 1)
        assert restored.status == "published"  # the status is not part of the profile
        event = last(trainer)
        assert (event.command, event.changes) == (
            "TrainerRestore",
            {"bio": {"old": "Third.", "new": "Second."}},
        )
        assert summary(event) == "Restored the profile as it was at version 2"
        back = dispatch(c.TrainerRestore(trainer.pk, version=1))
        assert (back.bio, back.phone) == ("", "")

    @pytest.mark.parametrize(
        ("version", "expected", "error", "field"),
        [
            (0, None, errors.InvalidInput, "version"),
            (99, None, errors.InvalidInput, "version"),
            (2, None, errors.RuleViolation, "version"),
            (1, 1, errors.VersionConflict, None),
        ],
    )
    def test_refusals_change_nothing(
        self,
        trainer: Trainer,
        version: int,
        expected: int | None,
        error: type[errors.DomainError],
        field: str | None,
    ) -> None:
        dispatch(c.TrainerUpdateProfile(trainer.pk, bio="Second."))
        before = Event.objects.count()
        with pytest.raises(error) as exc:
            dispatch(c.TrainerRestore(trainer.pk, version=version, expected_version=expected))
        assert exc.value.field == field
        assert Event.objects.count() == before
        assert Trainer.objects.get().bio == "Second."
