"""Trainer lifecycle handlers: register, update, status changes, specialties, delete, dispatch."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from tests.images import photo
from tests.trainers.conftest import events_of, register_command, schedule_command
from trainers import commands as c
from trainers import errors
from trainers.cqrs import SYSTEM, Actor
from trainers.handlers import (
    HANDLERS,
    dispatch,
    trainer_assign_specialty,
    trainer_change_status,
    trainer_delete,
    trainer_register,
    trainer_set_specialties,
    trainer_update_profile,
)
from trainers.models import Branch, Certification, Event, GymClass, Specialty, Status, Trainer

pytestmark = pytest.mark.django_db

MISSING = uuid.UUID("00000000-0000-4000-8000-000000000000")


def snapshot(trainer: Trainer) -> dict[str, Any]:
    """Everything a failed command must leave as it was."""
    fresh = Trainer.objects.get(pk=trainer.pk)
    return {
        **{f.attname: getattr(fresh, f.attname) for f in Trainer._meta.concrete_fields},
        "specialties": sorted(fresh.specialties.values_list("slug", flat=True)),
        "events": Event.objects.count(),
    }


class TestTrainerRegister:
    def test_registers_a_draft_and_records_the_event(
        self, branch: Branch, yoga: Specialty, strength: Specialty, actor: Actor, staff: User
    ) -> None:
        command = register_command(
            first_name=" Ada ", email=" Ada@Example.COM ", specialties=("yoga", "strength")
        )

        trainer = trainer_register(command, actor=actor)

        trainer.refresh_from_db()
        assert (trainer.first_name, trainer.email, trainer.slug) == (
            "Ada",
            "ada@example.com",
            "ada-lovelace",
        )
        assert (trainer.status, trainer.version, trainer.branch) == (Status.DRAFT, 1, branch)
        assert set(trainer.specialties.values_list("slug", flat=True)) == {"yoga", "strength"}
        (event,) = events_of(trainer.pk)
        assert (event.aggregate_type, event.command, event.version) == (
            "trainer",
            "TrainerRegister",
            1,
        )
        assert (event.actor_id, event.actor_name) == (staff.pk, "coach-admin")
        assert event.payload["email"] == " Ada@Example.COM "
        assert event.payload["hired_on"] == "2020-03-01"
        assert event.payload["specialties"] == ["yoga", "strength"]

    def test_the_system_actor_is_recorded_without_a_user(self, trainer: Trainer) -> None:
        (event,) = events_of(trainer.pk)
        assert (event.actor_id, event.actor_name) == (None, SYSTEM.name)

    def test_a_namesake_gets_the_next_free_slug(self, trainer: Trainer) -> None:
        second = trainer_register(register_command(email="ada2@example.com"))
        third = trainer_register(register_command(email="ada3@example.com"))
        assert (second.slug, third.slug) == ("ada-lovelace-2", "ada-lovelace-3")

    @pytest.mark.parametrize(
        ("overrides", "field"),
        [
            ({"email": "ADA@example.com"}, "email"),
            ({"email": "new@example.com", "slug": "ada-lovelace"}, "slug"),
        ],
    )
    def test_a_taken_email_or_slug_is_refused(
        self, trainer: Trainer, overrides: dict[str, Any], field: str
    ) -> None:
        with pytest.raises(errors.RuleViolation) as exc:
            trainer_register(register_command(**overrides))
        assert exc.value.message == errors.ALREADY_EXISTS.format(entity="trainer", field=field)
        assert exc.value.field == field
        assert (
            Trainer.objects.count(),
            Event.objects.filter(command="TrainerRegister").count(),
        ) == (
            1,
            1,
        )

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"email": "not-an-email"}, "email", "Enter a valid email address."),
            ({"email": ""}, "email", "This field cannot be blank."),
            (
                {"branch": "atlantis"},
                "branch",
                errors.UNKNOWN_REFERENCE.format(entity="branch", key="atlantis"),
            ),
            (
                {"specialties": ("yoga", "juggling")},
                "specialties",
                errors.UNKNOWN_REFERENCE.format(entity="specialty", key="juggling"),
            ),
            ({"position": "wizard"}, "position", "Value 'wizard' is not a valid choice."),
            ({"shift": "midday"}, "shift", "Value 'midday' is not a valid choice."),
            ({"hired_on": date(1989, 1, 1)}, "date_of_birth", errors.BORN_BEFORE_HIRED),
            ({"hired_on": date(1990, 12, 10)}, "date_of_birth", errors.BORN_BEFORE_HIRED),
            ({"date_of_birth": date(2031, 1, 1)}, "date_of_birth", errors.BORN_IN_FUTURE),
            (
                {"date_of_birth": date(1900, 1, 1)},
                "date_of_birth",
                errors.TOO_OLD.format(years=100),
            ),
            ({"first_name": ""}, "first_name", "This field cannot be blank."),
            ({"first_name": "x" * 81}, "first_name", None),
            ({"last_name": "x" * 81}, "last_name", None),
            ({"phone": "1" * 33}, "phone", None),
            ({"photo_url": "not a url"}, "photo_url", "Enter a valid URL."),
            ({"photo_url": "https://example.com/" + "p" * 490}, "photo_url", None),
            ({"slug": "Not a slug!"}, "slug", None),
            (
                {"bio": "b" * 4001},
                "bio",
                "Ensure this value has at most 4000 characters (it has 4001).",
            ),
            ({"email": "a" * 250 + "@example.com"}, "email", None),
        ],
    )
    def test_invalid_input_is_refused_and_nothing_is_written(
        self,
        branch: Branch,
        yoga: Specialty,
        overrides: dict[str, Any],
        field: str,
        message: str | None,
    ) -> None:
        events_before = Event.objects.count()
        with pytest.raises(errors.InvalidInput) as exc:
            trainer_register(register_command(**overrides))
        assert field in exc.value.errors
        if message is not None:
            assert exc.value.errors[field] == [message]
        assert Trainer.objects.count() == 0
        assert Event.objects.count() == events_before


class TestTrainerUpdateProfile:
    def test_changes_only_the_given_fields(self, trainer: Trainer, actor: Actor) -> None:
        before = snapshot(trainer)
        command = c.TrainerUpdateProfile(
            trainer_id=trainer.pk, expected_version=1, bio="  Loves kettlebells.  "
        )

        updated = trainer_update_profile(command, actor=actor)

        after = snapshot(updated)
        assert after["bio"] == "Loves kettlebells."
        assert after["version"] == 2
        changed = {k for k in after if after[k] != before[k]}
        assert changed == {"bio", "version", "updated_at", "events"}
        event = events_of(trainer.pk)[-1]
        assert (event.command, event.version, event.actor_name) == (
            "TrainerUpdateProfile",
            2,
            "coach-admin",
        )
        assert event.payload == {"trainer_id": str(trainer.pk), "bio": "  Loves kettlebells.  "}

    def test_none_clears_an_optional_field_and_a_branch_moves_by_slug(
        self, trainer: Trainer, other_branch: Branch
    ) -> None:
        trainer_update_profile(
            c.TrainerUpdateProfile(
                trainer_id=trainer.pk, date_of_birth=None, branch="north", email=" NEW@x.org "
            )
        )
        trainer.refresh_from_db()
        assert (trainer.date_of_birth, trainer.branch, trainer.email) == (
            None,
            other_branch,
            "new@x.org",
        )

    def test_a_stale_version_is_refused_and_nothing_changes(self, trainer: Trainer) -> None:
        before = snapshot(trainer)
        with pytest.raises(errors.VersionConflict) as exc:
            trainer_update_profile(
                c.TrainerUpdateProfile(trainer_id=trainer.pk, expected_version=7, bio="new")
            )
        assert exc.value.message == errors.VERSION_CONFLICT.format(
            entity="Trainer", key=trainer.pk, actual=1, expected=7
        )
        assert (exc.value.expected, exc.value.actual) == (7, 1)
        assert snapshot(trainer) == before

    @pytest.mark.parametrize("trainer_id", [MISSING, "not-a-uuid", None, 12])
    def test_an_unknown_trainer_is_not_found(self, db: None, trainer_id: Any) -> None:
        with pytest.raises(errors.NotFound) as exc:
            trainer_update_profile(c.TrainerUpdateProfile(trainer_id=trainer_id, bio="x"))
        assert exc.value.message == errors.NOT_FOUND.format(entity="Trainer", key=trainer_id)
        assert Event.objects.count() == 0

    @pytest.mark.parametrize(
        ("changes", "field", "message"),
        [
            ({"email": "nope"}, "email", "Enter a valid email address."),
            (
                {"branch": "atlantis"},
                "branch",
                errors.UNKNOWN_REFERENCE.format(entity="branch", key="atlantis"),
            ),
            ({"position": "boss"}, "position", "Value 'boss' is not a valid choice."),
            ({"shift": "never"}, "shift", "Value 'never' is not a valid choice."),
            ({"hired_on": date(1990, 12, 10)}, "date_of_birth", errors.BORN_BEFORE_HIRED),
            (
                {"date_of_birth": date(2020, 3, 2)},
                "date_of_birth",
                errors.TOO_YOUNG.format(years=16),
            ),
            ({"hired_on": date(1989, 1, 1)}, "date_of_birth", errors.BORN_BEFORE_HIRED),
            ({"first_name": "x" * 81}, "first_name", None),
            ({"last_name": " "}, "last_name", "This field cannot be blank."),
            ({"slug": ""}, "slug", "This field cannot be blank."),
            ({"photo_url": "ftp:/broken"}, "photo_url", "Enter a valid URL."),
            ({"bio": "b" * 4001}, "bio", None),
        ],
    )
    def test_invalid_input_is_refused_and_nothing_changes(
        self, trainer: Trainer, changes: dict[str, Any], field: str, message: str | None
    ) -> None:
        before = snapshot(trainer)
        with pytest.raises(errors.InvalidInput) as exc:
            trainer_update_profile(c.TrainerUpdateProfile(trainer_id=trainer.pk, **changes))
        assert field in exc.value.errors
        if message is not None:
            assert exc.value.errors[field] == [message]
        assert snapshot(trainer) == before

    @pytest.mark.parametrize(
        ("changes", "field"),
        [({"email": "GRACE@example.com"}, "email"), ({"slug": "grace-hopper"}, "slug")],
    )
    def test_a_taken_email_or_slug_is_refused(
        self, trainer: Trainer, other_trainer: Trainer, changes: dict[str, Any], field: str
    ) -> None:
        before = snapshot(trainer)
        with pytest.raises(errors.RuleViolation) as exc:
            trainer_update_profile(c.TrainerUpdateProfile(trainer_id=trainer.pk, **changes))
        assert exc.value.message == errors.ALREADY_EXISTS.format(entity="trainer", field=field)
        assert snapshot(trainer) == before


# How to bring a new (draft) trainer into each status.
REACH = {
    Status.DRAFT: (),
    Status.PUBLISHED: (c.TrainerPublish,),
    Status.ON_LEAVE: (c.TrainerPublish, c.TrainerPutOnLeave),
    Status.RETIRED: (c.TrainerRetire,),
}
ALLOWED = {
    (Status.DRAFT, c.TrainerPublish): Status.PUBLISHED,
    (Status.ON_LEAVE, c.TrainerPublish): Status.PUBLISHED,
    (Status.PUBLISHED, c.TrainerUnpublish): Status.DRAFT,
    (Status.ON_LEAVE, c.TrainerUnpublish): Status.DRAFT,
    (Status.RETIRED, c.TrainerUnpublish): Status.DRAFT,
    (Status.PUBLISHED, c.TrainerPutOnLeave): Status.ON_LEAVE,
    (Status.DRAFT, c.TrainerRetire): Status.RETIRED,
    (Status.PUBLISHED, c.TrainerRetire): Status.RETIRED,
    (Status.ON_LEAVE, c.TrainerRetire): Status.RETIRED,
}
VERBS = {
    c.TrainerPublish: "published",
    c.TrainerUnpublish: "unpublished",
    c.TrainerPutOnLeave: "put on leave",
    c.TrainerRetire: "retired",
}
FORBIDDEN = [(s, cmd) for s in REACH for cmd in VERBS if (s, cmd) not in ALLOWED]


def bring_to(trainer: Trainer, status: Status) -> None:
    for command_type in REACH[status]:
        trainer_change_status(command_type(trainer_id=trainer.pk))
    trainer.refresh_from_db()
    assert trainer.status == status


class TestStatusChanges:
    @pytest.mark.parametrize(("start", "command_type"), list(ALLOWED))
    def test_allowed_transition(
        self, trainer: Trainer, actor: Actor, start: Status, command_type: type[Any]
    ) -> None:
        bring_to(trainer, start)
        version = trainer.version

        changed = trainer_change_status(
            command_type(trainer_id=trainer.pk, expected_version=version), actor=actor
        )

        trainer.refresh_from_db()
        assert trainer.status == changed.status == ALLOWED[(start, command_type)]
        assert trainer.version == version + 1
        event = events_of(trainer.pk)[-1]
        assert (event.command, event.version, event.actor_name) == (
            command_type.__name__,
            version + 1,
            "coach-admin",
        )
        assert event.payload == {"trainer_id": str(trainer.pk)}

    @pytest.mark.parametrize(("start", "command_type"), FORBIDDEN)
    def test_forbidden_transition(
        self, trainer: Trainer, start: Status, command_type: type[Any]
    ) -> None:
        bring_to(trainer, start)
        before = snapshot(trainer)
        with pytest.raises(errors.RuleViolation) as exc:
            trainer_change_status(command_type(trainer_id=trainer.pk))
        assert exc.value.message == errors.TRANSITION_NOT_ALLOWED.format(
            current=start.label.lower(), action=VERBS[command_type]
        )
        assert exc.value.field == "status"
        assert snapshot(trainer) == before

    @pytest.mark.parametrize("command_type", list(VERBS))
    def test_a_stale_version_is_refused(self, trainer: Trainer, command_type: type[Any]) -> None:
        before = snapshot(trainer)
        with pytest.raises(errors.VersionConflict):
            trainer_change_status(command_type(trainer_id=trainer.pk, expected_version=2))
        assert snapshot(trainer) == before

    @pytest.mark.parametrize("command_type", list(VERBS))
    @pytest.mark.parametrize("trainer_id", [MISSING, "garbage"])
    def test_an_unknown_trainer_is_not_found(
        self, db: None, command_type: type[Any], trainer_id: Any
    ) -> None:
        with pytest.raises(errors.NotFound):
            trainer_change_status(command_type(trainer_id=trainer_id))


class TestTrainerDelete:
    def test_deletes_the_trainer_with_its_parts(
        self, trainer: Trainer, certification: Certification, gym_class: GymClass, actor: Actor
    ) -> None:
        trainer_delete(c.TrainerDelete(trainer_id=trainer.pk, expected_version=2), actor=actor)

        assert not Trainer.objects.filter(pk=trainer.pk).exists()
        assert not Certification.objects.exists()
        assert not GymClass.objects.exists()
        event = events_of(trainer.pk)[-1]
        assert (event.command, event.version, event.actor_name) == (
            "TrainerDelete",
            3,
            "coach-admin",
        )

    def test_a_stale_version_is_refused(self, trainer: Trainer) -> None:
        before = snapshot(trainer)
        with pytest.raises(errors.VersionConflict):
            trainer_delete(c.TrainerDelete(trainer_id=trainer.pk, expected_version=3))
        assert snapshot(trainer) == before

    @pytest.mark.parametrize("trainer_id", [MISSING, "x"])
    def test_an_unknown_trainer_is_not_found(self, db: None, trainer_id: Any) -> None:
        with pytest.raises(errors.NotFound):
            trainer_delete(c.TrainerDelete(trainer_id=trainer_id))
        assert Event.objects.count() == 0


class TestSpecialties:
    def test_set_replaces_them_all(self, trainer: Trainer, actor: Actor) -> None:
        trainer_set_specialties(
            c.TrainerSetSpecialties(
                trainer_id=trainer.pk, specialties=("strength",), expected_version=1
            ),
            actor=actor,
        )
        after = snapshot(trainer)
        assert (after["specialties"], after["version"]) == (["strength"], 2)
        event = events_of(trainer.pk)[-1]
        assert (event.command, event.version) == ("TrainerSetSpecialties", 2)
        assert event.payload == {"trainer_id": str(trainer.pk), "specialties": ["strength"]}

    def test_set_to_none_clears_them(self, trainer: Trainer) -> None:
        trainer_set_specialties(c.TrainerSetSpecialties(trainer_id=trainer.pk, specialties=()))
        assert snapshot(trainer)["specialties"] == []

    def test_assign_adds_one(self, trainer: Trainer) -> None:
        trainer_assign_specialty(
            c.TrainerAssignSpecialty(trainer_id=trainer.pk, specialty="strength")
        )
        after = snapshot(trainer)
        assert (after["specialties"], after["version"]) == (["strength", "yoga"], 2)
        assert events_of(trainer.pk)[-1].command == "TrainerAssignSpecialty"

    def test_assigning_a_specialty_twice_is_refused(self, trainer: Trainer) -> None:
        before = snapshot(trainer)
        with pytest.raises(errors.RuleViolation) as exc:
            trainer_assign_specialty(
                c.TrainerAssignSpecialty(trainer_id=trainer.pk, specialty="yoga")
            )
        assert exc.value.message == errors.ALREADY_HAS_SPECIALTY.format(
            trainer="Ada Lovelace", specialty="Yoga"
        )
        assert snapshot(trainer) == before

    @pytest.mark.parametrize(
        "command",
        [
            lambda pk: c.TrainerSetSpecialties(trainer_id=pk, specialties=("strength", "qigong")),
            lambda pk: c.TrainerAssignSpecialty(trainer_id=pk, specialty="qigong"),
        ],
    )
    def test_an_unknown_specialty_is_refused(self, trainer: Trainer, command: Any) -> None:
        before = snapshot(trainer)
        with pytest.raises(errors.InvalidInput) as exc:
            dispatch(command(trainer.pk))
        assert exc.value.errors == {
            "specialties": [errors.UNKNOWN_REFERENCE.format(entity="specialty", key="qigong")]
        }
        assert snapshot(trainer) == before

    @pytest.mark.parametrize(
        "command",
        [
            lambda pk: c.TrainerSetSpecialties(trainer_id=pk, specialties=(), expected_version=9),
            lambda pk: c.TrainerAssignSpecialty(
                trainer_id=pk, specialty="strength", expected_version=9
            ),
        ],
    )
    def test_a_stale_version_is_refused(self, trainer: Trainer, command: Any) -> None:
        before = snapshot(trainer)
        with pytest.raises(errors.VersionConflict):
            dispatch(command(trainer.pk))
        assert snapshot(trainer) == before

    @pytest.mark.parametrize(
        "command",
        [
            c.TrainerSetSpecialties(trainer_id=MISSING, specialties=()),
            c.TrainerAssignSpecialty(trainer_id=MISSING, specialty="yoga"),
        ],
    )
    def test_an_unknown_trainer_is_not_found(self, yoga: Specialty, command: Any) -> None:
        with pytest.raises(errors.NotFound):
            dispatch(command)


def every_command(
    trainer: Trainer, cert_id: int, class_id: int, scheduled_id: int = 0
) -> dict[type, Any]:
    """One valid command of each type, for the ``trainer``, certification and class fixtures."""
    pk = trainer.pk
    return {
        c.TrainerRegister: register_command(email="new@example.com"),
        c.TrainerUpdateProfile: c.TrainerUpdateProfile(trainer_id=pk, phone="+49 30 1"),
        c.TrainerRestore: c.TrainerRestore(trainer_id=pk, version=1),
        c.StatusChangeSchedule: c.StatusChangeSchedule(
            pk, "publish", datetime(2027, 1, 4, tzinfo=UTC)
        ),
        c.StatusChangeCancel: c.StatusChangeCancel(scheduled_id),
        c.TrainerPublish: c.TrainerPublish(trainer_id=pk),
        c.TrainerUnpublish: c.TrainerUnpublish(trainer_id=pk),
        c.TrainerPutOnLeave: c.TrainerPutOnLeave(trainer_id=pk),
        c.TrainerRetire: c.TrainerRetire(trainer_id=pk),
        c.TrainerDelete: c.TrainerDelete(trainer_id=pk),
        c.TrainerErase: c.TrainerErase(trainer_id=pk),
        c.TrainerSetSpecialties: c.TrainerSetSpecialties(trainer_id=pk, specialties=("yoga",)),
        c.TrainerAssignSpecialty: c.TrainerAssignSpecialty(trainer_id=pk, specialty="strength"),
        c.TrainerImport: c.TrainerImport(trainers=(register_command(email="bulk@example.com"),)),
        c.CertificationAdd: c.CertificationAdd(
            trainer_id=pk, name="CPR", issuer="Red Cross", issued_on=date(2022, 1, 1)
        ),
        c.CertificationUpdate: c.CertificationUpdate(
            trainer_id=pk, certification_id=cert_id, issuer="NASM"
        ),
        c.CertificationRemove: c.CertificationRemove(trainer_id=pk, certification_id=cert_id),
        c.GymClassSchedule: schedule_command(pk, weekday=2),
        c.GymClassReschedule: c.GymClassReschedule(class_id=class_id, capacity=20),
        c.GymClassCancel: c.GymClassCancel(class_id=class_id),
        c.TrainerSetPhoto: c.TrainerSetPhoto(trainer_id=pk, content=photo(200, 100)),
        c.TrainerRemovePhoto: c.TrainerRemovePhoto(trainer_id=pk),
        c.BranchCreate: c.BranchCreate(slug="east", name="East", city="Riga"),
        c.BranchUpdate: c.BranchUpdate(slug="central", city="Potsdam"),
        c.SpecialtyCreate: c.SpecialtyCreate(slug="hiit", name="HIIT"),
        c.SpecialtyUpdate: c.SpecialtyUpdate(slug="yoga", description="Breathe."),
    }


def test_every_command_type_has_a_handler() -> None:
    command_types = {
        value
        for value in vars(c).values()
        if isinstance(value, type) and value.__module__ == c.__name__ and value is not c.Unset
    }
    assert set(HANDLERS) == command_types


@pytest.mark.parametrize("command_type", list(HANDLERS), ids=lambda t: t.__name__)
def test_dispatch_routes_each_command_to_its_handler(
    trainer: Trainer,
    certification: Certification,
    gym_class: GymClass,
    actor: Actor,
    command_type: type[Any],
    media_root: Path,
) -> None:
    if command_type in (c.TrainerPutOnLeave, c.TrainerUnpublish):
        bring_to(trainer, Status.PUBLISHED)
    if command_type is c.TrainerRemovePhoto:  # removing no photo is no change, no event
        dispatch(c.TrainerSetPhoto(trainer.pk, photo(200, 100)))
    if command_type is c.TrainerRestore:
        dispatch(c.TrainerUpdateProfile(trainer.pk, bio="A later bio."))
    scheduled_id = 0
    if command_type is c.StatusChangeCancel:
        at = datetime(2027, 1, 4, tzinfo=UTC)
        scheduled_id = dispatch(c.StatusChangeSchedule(trainer.pk, "retire", at)).pk
    command = every_command(trainer, certification.pk, gym_class.pk, scheduled_id)[command_type]
    last_event = Event.objects.latest("id").pk

    dispatch(command, actor=actor)

    (event,) = Event.objects.filter(pk__gt=last_event)
    assert (event.command, event.actor_name) == (command_type.__name__, "coach-admin")
