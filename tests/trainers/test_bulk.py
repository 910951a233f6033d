"""Bulk import: the same rules as one-by-one registration, all or nothing."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from django.db import connection

from tests.trainers.conftest import register_command, schedule_command
from trainers import errors
from trainers.commands import CertificationAdd, TrainerImport
from trainers.cqrs import Actor
from trainers.handlers import trainer_import, trainer_register
from trainers.models import Branch, Certification, Event, GymClass, Specialty, Status, Trainer
from trainers.projection import deferred_projection, read_model_check

pytestmark = pytest.mark.django_db


def cert(**overrides: Any) -> CertificationAdd:
    fields: dict[str, Any] = {
        "trainer_id": None,
        "name": "CPR",
        "issuer": "Red Cross",
        "issued_on": date(2022, 1, 1),
        "expires_on": date(2024, 1, 1),
        **overrides,
    }
    return CertificationAdd(**fields)


def three(**overrides: Any) -> TrainerImport:
    fields: dict[str, Any] = {
        "trainers": (
            register_command(email="a@example.com", specialties=("yoga", "strength", "yoga")),
            register_command(email="b@example.com", first_name="Grace", last_name="Hopper"),
            register_command(email="c@example.com", slug="ada-3", specialties=()),
        ),
        "certifications": ((0, cert()), (0, cert(name="CSCS", expires_on=None)), (2, cert())),
        "classes": (
            (0, schedule_command(None)),
            (0, schedule_command(None, start_time=time(10, 0))),
            (1, schedule_command(None)),
        ),
        **overrides,
    }
    return TrainerImport(**fields)


def nothing_written() -> bool:
    return not (
        Trainer.objects.exists()
        or Certification.objects.exists()
        or GymClass.objects.exists()
        or Event.objects.filter(command="TrainerImport").exists()
    )


class TestTrainerImport:
    def test_imports_trainers_with_their_parts_and_one_event_each(
        self, branch: Branch, yoga: Specialty, strength: Specialty, actor: Actor
    ) -> None:
        command = three(publish=True, statuses=((2, "retired"),))

        trainers = trainer_import(command, actor=actor)

        assert [t.slug for t in trainers] == ["ada-lovelace", "grace-hopper", "ada-3"]
        stored = {t.slug: t for t in Trainer.objects.all()}
        assert {s: t.status for s, t in stored.items()} == {
            "ada-lovelace": Status.PUBLISHED,
            "grace-hopper": Status.PUBLISHED,
            "ada-3": Status.RETIRED,
        }
        ada = stored["ada-lovelace"]
        assert (ada.version, ada.email, ada.branch) == (1, "a@example.com", branch)
        assert ada.created_at is not None
        assert sorted(ada.specialties.values_list("slug", flat=True)) == ["strength", "yoga"]
        assert sorted(ada.certifications.values_list("name", flat=True)) == ["CPR", "CSCS"]
        assert ada.classes.count() == 2
        assert stored["grace-hopper"].classes.count() == 1
        assert stored["ada-3"].certifications.count() == 1
        events = list(Event.objects.filter(command="TrainerImport").order_by("id"))
        assert [e.aggregate_id for e in events] == [str(t.pk) for t in trainers]
        assert {(e.aggregate_type, e.version, e.actor_name) for e in events} == {
            ("trainer", 1, "coach-admin")
        }
        assert events[2].payload["status"] == "retired"
        assert events[0].payload["slug"] == "ada-lovelace"
        assert events[0].payload["email"] == "a@example.com"

    def test_returned_trainers_are_saved_instances(self, branch: Branch, yoga: Specialty) -> None:
        (trainer,) = trainer_import(TrainerImport(trainers=(register_command(),)))
        trainer.bio = "Edited later."
        trainer.save()
        assert Trainer.objects.get().bio == "Edited later."
        assert Trainer.objects.get().status == Status.DRAFT

    def test_slugs_continue_after_the_ones_in_use(self, trainer: Trainer) -> None:
        trainer_import(
            TrainerImport(
                trainers=(
                    register_command(email="x@example.com"),
                    register_command(email="y@example.com"),
                    register_command(email="z@example.com", first_name="Grace"),
                )
            )
        )
        assert set(Trainer.objects.values_list("slug", flat=True)) == {
            "ada-lovelace",
            "ada-lovelace-2",
            "ada-lovelace-3",
            "grace-lovelace",
        }

    def test_many_namesakes_get_consecutive_slugs(self, branch: Branch, yoga: Specialty) -> None:
        for batch in range(2):
            trainer_import(
                TrainerImport(
                    trainers=tuple(
                        register_command(email=f"ada{batch}-{n}@example.com") for n in range(12)
                    )
                )
            )
        expected = {"ada-lovelace"} | {f"ada-lovelace-{n}" for n in range(2, 25)}
        assert set(Trainer.objects.values_list("slug", flat=True)) == expected

    def test_a_generated_slug_leaves_room_for_an_explicit_one(
        self, branch: Branch, yoga: Specialty
    ) -> None:
        trainer_import(
            TrainerImport(
                trainers=(
                    register_command(email="one@example.com"),
                    register_command(email="two@example.com"),
                    register_command(email="three@example.com", slug="ada-lovelace-2"),
                )
            )
        )
        assert sorted(Trainer.objects.values_list("email", "slug")) == [
            ("one@example.com", "ada-lovelace"),
            ("three@example.com", "ada-lovelace-2"),
            ("two@example.com", "ada-lovelace-3"),
        ]

    @pytest.mark.parametrize(
        ("command", "field", "message"),
        [
            (
                three(trainers=(register_command(branch="atlantis"),)),
                "trainers[0].branch",
                errors.UNKNOWN_REFERENCE.format(entity="branch", key="atlantis"),
            ),
            (
                three(trainers=(register_command(specialties=("qigong",)),)),
                "trainers[0].specialties",
                errors.UNKNOWN_REFERENCE.format(entity="specialty", key="qigong"),
            ),
            (
                three(trainers=(register_command(email="bad"),)),
                "trainers[0].email",
                "Enter a valid email address.",
            ),
            (
                three(trainers=(register_command(photo_url="nope"),)),
                "trainers[0].photo_url",
                "Enter a valid URL.",
            ),
            (
                three(trainers=(register_command(position="chief"),)),
                "trainers[0].position",
                "Value 'chief' is not a valid choice.",
            ),
            (
                three(trainers=(register_command(first_name="x" * 81),)),
                "trainers[0].first_name",
                None,
            ),
            (three(trainers=(register_command(bio="b" * 4001),)), "trainers[0].bio", None),
            (
                three(trainers=(register_command(hired_on=date(1989, 1, 1)),)),
                "trainers[0].date_of_birth",
                errors.BORN_BEFORE_HIRED,
            ),
            (
                three(statuses=((1, "archived"),)),
                "trainers[1].status",
                "Value 'archived' is not a valid choice.",
            ),
            (
                three(certifications=((1, cert(expires_on=date(2021, 1, 1))),)),
                "trainers[1].expires_on",
                errors.CERTIFICATION_DATES,
            ),
            (three(certifications=((1, cert(name="n" * 161)),)), "trainers[1].name", None),
            (
                three(classes=((2, schedule_command(None, capacity=0)),)),
                "trainers[2].capacity",
                errors.CLASS_CAPACITY,
            ),
            (
                three(classes=((2, schedule_command(None, duration_minutes=0)),)),
                "trainers[2].duration_minutes",
                errors.CLASS_DURATION,
            ),
            (three(classes=((2, schedule_command(None, weekday=8)),)), "trainers[2].weekday", None),
            (
                three(classes=((2, schedule_command(None, branch="atlantis")),)),
                "trainers[2].branch",
                errors.UNKNOWN_REFERENCE.format(entity="branch", key="atlantis"),
            ),
        ],
    )
    def test_invalid_input_rolls_everything_back(
        self,
        branch: Branch,
        yoga: Specialty,
        strength: Specialty,
        command: TrainerImport,
        field: str,
        message: str | None,
    ) -> None:
        with pytest.raises(errors.InvalidInput) as exc:
            trainer_import(command)
        assert field in exc.value.errors
        if message is not None:
            assert exc.value.errors[field] == [message]
        assert nothing_written()

    @pytest.mark.parametrize(
        ("command", "field"),
        [
            (
                TrainerImport(
                    trainers=(register_command(), register_command(email="ADA@example.com"))
                ),
                "trainers[1].email",
            ),
            (
                TrainerImport(trainers=(register_command(email="taken@example.com"),)),
                "trainers[0].email",
            ),
            (TrainerImport(trainers=(register_command(slug="taken"),)), "trainers[0].slug"),
            (
                three(
                    classes=(
                        (1, schedule_command(None)),
                        (1, schedule_command(None, start_time=time(9, 30))),
                    )
                ),
                "trainers[1].start_time",
            ),
        ],
    )
    def test_broken_rules_roll_everything_back(
        self,
        branch: Branch,
        yoga: Specialty,
        strength: Specialty,
        command: TrainerImport,
        field: str,
    ) -> None:
        trainer_register(register_command(email="taken@example.com", slug="taken"))
        before = (Trainer.objects.count(), Event.objects.count())
        with pytest.raises(errors.RuleViolation) as exc:
            trainer_import(command)
        assert exc.value.field == field
        assert (Trainer.objects.count(), Event.objects.count()) == before
        assert not GymClass.objects.exists()


class TestImportProjection:
    """The import projects its trainers once, in its own transaction, instead of per COPY."""

    def test_the_read_model_is_in_step_after_an_import(
        self, branch: Branch, yoga: Specialty, strength: Specialty
    ) -> None:
        trainers = trainer_import(three(publish=True, statuses=((2, "draft"),)))

        assert read_model_check() == []
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM read.trainer")
            public = {row[0] for row in cursor.fetchall()}
        assert public == {trainers[0].pk, trainers[1].pk}

    def test_inside_a_deferred_projection_the_caller_rebuilds(
        self, branch: Branch, yoga: Specialty, strength: Specialty
    ) -> None:
        with deferred_projection():
            trainer_import(three(publish=True))
            with connection.cursor() as cursor:
                cursor.execute("SELECT read.projection_deferred()")
                assert cursor.fetchone() == (True,)

        assert read_model_check() == []
