"""Branch and specialty handlers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.trainers.conftest import events_of
from trainers import errors
from trainers.commands import BranchCreate, BranchUpdate, SpecialtyCreate, SpecialtyUpdate
from trainers.cqrs import Actor
from trainers.handlers import branch_create, branch_update, specialty_create, specialty_update
from trainers.handlers.catalog import UNKNOWN_TIMEZONE
from trainers.models import Branch, Event, Specialty

pytestmark = pytest.mark.django_db


def branch_state(slug: str) -> tuple[Any, ...]:
    b = Branch.objects.get(slug=slug)
    return (b.name, b.city, b.timezone, b.version, Event.objects.count())


def specialty_state(slug: str) -> tuple[Any, ...]:
    s = Specialty.objects.get(slug=slug)
    return (s.name, s.description, s.version, Event.objects.count())


class TestBranchCreate:
    def test_creates_the_branch_and_records_the_event(self, actor: Actor) -> None:
        command = BranchCreate(
            slug="harbour", name=" Harbour ", city=" Hamburg ", timezone="Europe/Berlin"
        )

        branch = branch_create(command, actor=actor)

        branch.refresh_from_db()
        assert (branch.name, branch.city, branch.timezone, branch.version) == (
            "Harbour",
            "Hamburg",
            "Europe/Berlin",
            1,
        )
        (event,) = events_of("harbour")
        assert (event.aggregate_type, event.command, event.version, event.actor_name) == (
            "branch",
            "BranchCreate",
            1,
            "coach-admin",
        )
        assert event.payload == {
            "slug": "harbour",
            "name": " Harbour ",
            "city": " Hamburg ",
            "timezone": "Europe/Berlin",
        }

    def test_a_taken_slug_is_refused(self, branch: Branch) -> None:
        with pytest.raises(errors.RuleViolation) as exc:
            branch_create(BranchCreate(slug="central", name="Other", city="Bonn"))
        assert exc.value.message == errors.ALREADY_EXISTS.format(entity="branch", field="slug")
        assert (Branch.objects.count(), Event.objects.count()) == (1, 1)

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"timezone": "Mars/Olympus"}, "timezone", UNKNOWN_TIMEZONE.format(tz="Mars/Olympus")),
            ({"timezone": ""}, "timezone", UNKNOWN_TIMEZONE.format(tz="")),
            (
                {"timezone": "../etc/passwd"},
                "timezone",
                UNKNOWN_TIMEZONE.format(tz="../etc/passwd"),
            ),
            ({"slug": "not a slug"}, "slug", None),
            ({"slug": "s" * 81}, "slug", None),
            ({"name": ""}, "name", "This field cannot be blank."),
            ({"name": "n" * 121}, "name", None),
            ({"city": "  "}, "city", "This field cannot be blank."),
        ],
    )
    def test_invalid_input_is_refused(
        self, db: None, overrides: dict[str, Any], field: str, message: str | None
    ) -> None:
        fields = {"slug": "harbour", "name": "Harbour", "city": "Hamburg", **overrides}
        with pytest.raises(errors.InvalidInput) as exc:
            branch_create(BranchCreate(**fields))
        assert field in exc.value.errors
        if message is not None:
            assert exc.value.errors[field] == [message]
        assert (Branch.objects.count(), Event.objects.count()) == (0, 0)


class TestBranchUpdate:
    def test_changes_only_the_given_fields(self, branch: Branch, actor: Actor) -> None:
        branch_update(BranchUpdate(slug="central", expected_version=1, city="Potsdam"), actor=actor)
        assert branch_state("central") == ("Central", "Potsdam", "Europe/Berlin", 2, 2)
        event = events_of("central")[-1]
        assert (event.command, event.version, event.actor_name) == (
            "BranchUpdate",
            2,
            "coach-admin",
        )
        assert event.payload == {"slug": "central", "city": "Potsdam"}

    def test_a_stale_version_is_refused(self, branch: Branch) -> None:
        before = branch_state("central")
        with pytest.raises(errors.VersionConflict) as exc:
            branch_update(BranchUpdate(slug="central", expected_version=3, name="X"))
        assert exc.value.message == errors.VERSION_CONFLICT.format(
            entity="Branch", key="central", actual=1, expected=3
        )
        assert branch_state("central") == before

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"timezone": "Europe/Atlantis"}, "timezone"),
            ({"name": ""}, "name"),
            ({"city": "c" * 121}, "city"),
        ],
    )
    def test_invalid_input_is_refused(
        self, branch: Branch, changes: dict[str, Any], field: str
    ) -> None:
        before = branch_state("central")
        with pytest.raises(errors.InvalidInput) as exc:
            branch_update(BranchUpdate(slug="central", **changes))
        assert field in exc.value.errors
        assert branch_state("central") == before

    def test_an_unknown_branch_is_not_found(self, db: None) -> None:
        with pytest.raises(errors.NotFound) as exc:
            branch_update(BranchUpdate(slug="nowhere", name="X"))
        assert exc.value.message == errors.NOT_FOUND.format(entity="Branch", key="nowhere")


class TestSpecialtyCreate:
    def test_creates_the_specialty_and_records_the_event(self, actor: Actor) -> None:
        specialty = specialty_create(
            SpecialtyCreate(slug="hiit", name=" HIIT ", description=" Intervals. "), actor=actor
        )
        assert specialty_state("hiit") == ("HIIT", "Intervals.", 1, 1)
        assert specialty.pk is not None
        (event,) = events_of("hiit")
        assert (event.aggregate_type, event.command, event.version, event.actor_name) == (
            "specialty",
            "SpecialtyCreate",
            1,
            "coach-admin",
        )

    @pytest.mark.parametrize(
        ("slug", "name", "field"), [("yoga", "Yoga 2", "slug"), ("yoga-2", "Yoga", "name")]
    )
    def test_a_taken_slug_or_name_is_refused(
        self, yoga: Specialty, slug: str, name: str, field: str
    ) -> None:
        with pytest.raises(errors.RuleViolation) as exc:
            specialty_create(SpecialtyCreate(slug=slug, name=name))
        assert exc.value.message == errors.ALREADY_EXISTS.format(entity="specialty", field=field)
        assert (Specialty.objects.count(), Event.objects.count()) == (1, 1)

    @pytest.mark.parametrize(
        ("slug", "name", "field"),
        [("Bad Slug", "Yoga", "slug"), ("yoga", "", "name"), ("yoga", "n" * 121, "name")],
    )
    def test_invalid_input_is_refused(self, db: None, slug: str, name: str, field: str) -> None:
        with pytest.raises(errors.InvalidInput) as exc:
            specialty_create(SpecialtyCreate(slug=slug, name=name))
        assert field in exc.value.errors
        assert (Specialty.objects.count(), Event.objects.count()) == (0, 0)


class TestSpecialtyUpdate:
    def test_changes_only_the_given_fields(self, yoga: Specialty, actor: Actor) -> None:
        specialty_update(
            SpecialtyUpdate(slug="yoga", expected_version=1, description="Breathe."), actor=actor
        )
        assert specialty_state("yoga") == ("Yoga", "Breathe.", 2, 2)
        event = events_of("yoga")[-1]
        assert (event.command, event.version) == ("SpecialtyUpdate", 2)
        assert event.payload == {"slug": "yoga", "description": "Breathe."}

    def test_a_taken_name_is_refused(self, yoga: Specialty, strength: Specialty) -> None:
        before = specialty_state("yoga")
        with pytest.raises(errors.RuleViolation) as exc:
            specialty_update(SpecialtyUpdate(slug="yoga", name="Strength"))
        assert exc.value.field == "name"
        assert specialty_state("yoga") == before

    def test_invalid_input_is_refused(self, yoga: Specialty) -> None:
        before = specialty_state("yoga")
        with pytest.raises(errors.InvalidInput) as exc:
            specialty_update(SpecialtyUpdate(slug="yoga", name=""))
        assert "name" in exc.value.errors
        assert specialty_state("yoga") == before

    def test_a_stale_version_is_refused(self, yoga: Specialty) -> None:
        before = specialty_state("yoga")
        with pytest.raises(errors.VersionConflict):
            specialty_update(SpecialtyUpdate(slug="yoga", expected_version=2, name="Yin"))
        assert specialty_state("yoga") == before

    def test_an_unknown_specialty_is_not_found(self, db: None) -> None:
        with pytest.raises(errors.NotFound) as exc:
            specialty_update(SpecialtyUpdate(slug="qigong", name="Qigong"))
        assert exc.value.message == errors.NOT_FOUND.format(entity="Specialty", key="qigong")
