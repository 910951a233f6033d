"""Model-based: random command sequences, failing ones and bypass writes included.

After every step the read model equals a fresh derivation from the write
model (``read.check()`` reports nothing), and the event log holds exactly one
event per accepted command, with each aggregate's versions in order. A small
independent model predicts which commands must be refused (stale version,
status transition, invalid input, unknown trainer) and the test checks those
predictions too.

Bounded and deterministic: ``derandomize`` and no example database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any
from uuid import UUID

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from trainers import commands as c
from trainers import errors
from trainers.handlers import dispatch
from trainers.models import Event, GymClass, Trainer
from trainers.projection import read_model_check

SETTINGS = settings(
    max_examples=20,
    stateful_step_count=20,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
SPECIALTIES = ("yoga", "strength", "hiit")
# The status rules, written out independently of trainers/handlers/status.py.
TRANSITIONS: dict[type, tuple[set[str], str]] = {
    c.TrainerPublish: ({"draft", "on_leave"}, "published"),
    c.TrainerUnpublish: ({"published", "on_leave", "retired"}, "draft"),
    c.TrainerPutOnLeave: ({"published"}, "on_leave"),
    c.TrainerRetire: ({"draft", "published", "on_leave"}, "retired"),
}
STATUSES = ("draft", "published", "on_leave", "retired")
texts = st.text(alphabet="abcdefgh xyz", min_size=1, max_size=12).map(str.strip).filter(bool)

STATS = {"examples": 0, "steps": 0, "accepted": 0, "refused": 0, "bypass": 0}


@dataclass
class TrainerModel:
    version: int = 1
    status: str = "draft"
    exists: bool = True
    email: str = ""
    event_versions: list[int] = field(default_factory=lambda: [1])


class ReadModelMachine(RuleBasedStateMachine):
    trainers = Bundle("trainers")
    classes = Bundle("classes")

    def __init__(self) -> None:
        super().__init__()
        STATS["examples"] += 1
        # Every example starts from the same empty database and is rolled back at the end.
        self.savepoint = transaction.savepoint()
        self.model: dict[UUID, TrainerModel] = {}
        self.accepted = 0
        self.emails = 0

    def teardown(self) -> None:
        transaction.savepoint_rollback(self.savepoint)

    # Running commands ---------------------------------------------------------------------

    def run(self, command: object, expect: type[errors.DomainError] | None = None) -> Any:
        """Dispatch; when ``expect`` names a refusal, the handler must refuse with it."""
        STATS["steps"] += 1
        try:
            result = dispatch(command)
        except errors.DomainError as error:
            STATS["refused"] += 1
            if expect is not None:
                assert isinstance(error, expect), f"{command}: {error!r}, expected {expect}"
                return None
            raise
        assert expect is None, f"{command} was accepted, expected {expect.__name__}"
        self.accepted += 1
        STATS["accepted"] += 1
        return result

    def expected_version(self, m: TrainerModel, stale: bool) -> int:
        return (m.version - 1 if m.version > 1 else m.version + 1) if stale else m.version

    def refusal(self, m: TrainerModel, stale: bool) -> type[errors.DomainError] | None:
        if not m.exists:
            return errors.NotFound
        return errors.VersionConflict if stale else None

    def accept(self, m: TrainerModel) -> None:
        m.version += 1
        m.event_versions.append(m.version)

    @initialize()
    def catalog(self) -> None:
        self.run(c.BranchCreate(slug="downtown", name="Downtown", city="Lisbon"))
        self.run(c.BranchCreate(slug="uptown", name="Uptown", city="Porto"))
        for slug in SPECIALTIES:
            self.run(c.SpecialtyCreate(slug=slug, name=slug.title()))

    # Commands through the handlers ---------------------------------------------------------

    @rule(target=trainers, name=texts, branch=st.sampled_from(["downtown", "uptown"]))
    def register(self, name: str, branch: str) -> UUID:
        self.emails += 1
        email = f"t{self.emails}@gym.example.com"
        trainer = self.run(
            c.TrainerRegister(
                first_name=name,
                last_name="Test",
                email=email,
                hired_on=date(2020, 1, 1),
                branch=branch,
                specialties=("yoga",),
            )
        )
        self.model[trainer.pk] = TrainerModel(email=email)
        return UUID(str(trainer.pk))

    @rule(trainer=trainers, other=trainers)
    def register_with_a_taken_email(self, trainer: UUID, other: UUID) -> None:
        m = self.model[trainer]
        if not m.exists:
            return
        command = c.TrainerRegister(
            first_name="Dup",
            last_name="Licate",
            email=m.email,
            hired_on=date(2020, 1, 1),
            branch="downtown",
        )
        self.run(command, expect=errors.RuleViolation)

    @rule(trainer=trainers, bio=texts, stale=st.booleans(), invalid=st.booleans())
    def update_profile(self, trainer: UUID, bio: str, stale: bool, invalid: bool) -> None:
        m = self.model[trainer]
        fields: dict[str, Any] = {"bio": bio}
        if invalid:
            fields["email"] = "not-an-email"
        expect = self.refusal(m, stale) or (errors.InvalidInput if invalid else None)
        command = c.TrainerUpdateProfile(
            trainer, expected_version=self.expected_version(m, stale), **fields
        )
        if self.run(command, expect=expect) is not None:
            self.accept(m)

    @rule(
        trainer=trainers,
        kind=st.sampled_from(list(TRANSITIONS)),
        stale=st.booleans(),
    )
    def change_status(self, trainer: UUID, kind: type, stale: bool) -> None:
        m = self.model[trainer]
        sources, target = TRANSITIONS[kind]
        expect = self.refusal(m, stale)
        if expect is None and m.status not in sources:
            expect = errors.RuleViolation
        if self.run(kind(trainer, expected_version=self.expected_version(m, stale)), expect):
            self.accept(m)
            m.status = target

    @rule(
        trainer=trainers,
        slugs=st.lists(st.sampled_from([*SPECIALTIES, "unknown"]), max_size=3, unique=True),
    )
    def set_specialties(self, trainer: UUID, slugs: list[str]) -> None:
        m = self.model[trainer]
        expect = self.refusal(m, stale=False)
        if expect is None and "unknown" in slugs:
            expect = errors.InvalidInput
        command = c.TrainerSetSpecialties(trainer, tuple(slugs), expected_version=m.version)
        if self.run(command, expect):
            self.accept(m)

    @rule(trainer=trainers, expired=st.booleans(), backwards=st.booleans())
    def add_certification(self, trainer: UUID, expired: bool, backwards: bool) -> None:
        m = self.model[trainer]
        issued = date(2019, 1, 1)
        expires = date(2018, 1, 1) if backwards else date(2020 if expired else 2099, 1, 1)
        expect = self.refusal(m, stale=False)
        if expect is None and backwards:
            expect = errors.InvalidInput
        command = c.CertificationAdd(trainer, "CPR", "Red Cross", issued, expires, m.version)
        if self.run(command, expect):
            self.accept(m)

    @rule(
        target=classes,
        trainer=trainers,
        weekday=st.integers(1, 2),
        hour=st.integers(7, 8),
    )
    def schedule_class(self, trainer: UUID, weekday: int, hour: int) -> int:
        m = self.model[trainer]
        command = c.GymClassSchedule(
            title="Flow",
            branch="downtown",
            trainer_id=trainer,
            weekday=weekday,
            start_time=time(hour, 30),
            duration_minutes=45,
            capacity=12,
        )
        if not m.exists:
            self.run(command, expect=errors.InvalidInput)
            return 0
        overlaps = GymClass.objects.filter(
            trainer_id=trainer, weekday=weekday, start_time=time(hour, 30)
        ).exists()
        gym_class = self.run(command, expect=errors.RuleViolation if overlaps else None)
        return gym_class.pk if gym_class is not None else 0

    @rule(gym_class=consumes(classes))
    def cancel_class(self, gym_class: int) -> None:
        exists = GymClass.objects.filter(pk=gym_class).exists()
        self.run(c.GymClassCancel(gym_class), expect=None if exists else errors.NotFound)

    @rule(trainer=trainers)
    def delete(self, trainer: UUID) -> None:
        m = self.model[trainer]
        expect = self.refusal(m, stale=False)
        self.run(c.TrainerDelete(trainer, expected_version=m.version), expect)
        if expect is None:  # deleted: the event carries the version after the last one
            m.event_versions.append(m.version + 1)
            m.exists = False

    @rule(slug=st.sampled_from(["downtown", "uptown"]), name=texts)
    def rename_branch(self, slug: str, name: str) -> None:
        self.run(c.BranchUpdate(slug, name=name))

    # Writes that bypass the handlers: no event, no version, the read model must follow ----

    @rule(trainer=trainers, status=st.sampled_from(STATUSES))
    def bypass_queryset_update(self, trainer: UUID, status: str) -> None:
        STATS["bypass"] += 1
        if Trainer.objects.filter(pk=trainer).update(status=status, bio="bulk"):
            self.model[trainer].status = status

    @rule(trainer=trainers)
    def bypass_queryset_delete(self, trainer: UUID) -> None:
        STATS["bypass"] += 1
        Trainer.objects.filter(pk=trainer).delete()
        self.model[trainer].exists = False

    @rule(trainer=trainers, slug=st.sampled_from(SPECIALTIES), name=texts)
    def bypass_raw_sql(self, trainer: UUID, slug: str, name: str) -> None:
        STATS["bypass"] += 1
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO trainers_trainer_specialties (trainer_id, specialty_id) "
                "SELECT t.id, s.id FROM trainers_trainer t, trainers_specialty s "
                "WHERE t.id = %s AND s.slug = %s ON CONFLICT DO NOTHING",
                [trainer, slug],
            )
            cursor.execute("UPDATE trainers_branch SET city = %s WHERE slug = 'uptown'", [name])
            cursor.execute(
                "UPDATE trainers_specialty SET name = %s WHERE slug = %s",
                [
                    f"{name} {slug}",
                    slug,
                ],
            )

    # What must hold after every step --------------------------------------------------------

    @invariant()
    def read_model_equals_a_fresh_rebuild(self) -> None:
        assert [str(d) for d in read_model_check()] == []

    @invariant()
    def every_accepted_command_has_its_event(self) -> None:
        events = list(Event.objects.values_list("aggregate_type", "aggregate_id", "version"))
        assert len(events) == self.accepted
        for trainer_id, m in self.model.items():
            versions = [v for t, a, v in events if t == "trainer" and a == str(trainer_id)]
            assert versions == m.event_versions
            row = Trainer.objects.filter(pk=trainer_id).values_list("version", "status").first()
            assert row == ((m.version, m.status) if m.exists else None)


@pytest.mark.django_db
def test_random_command_sequences_keep_the_read_model_and_the_event_log_exact() -> None:
    STATS.update(examples=0, steps=0, accepted=0, refused=0, bypass=0)

    run_state_machine_as_test(ReadModelMachine, settings=SETTINGS)

    print(
        f"\nstateful: {STATS['examples']} examples, {STATS['steps']} commands "
        f"({STATS['accepted']} accepted, {STATS['refused']} refused), "
        f"{STATS['bypass']} bypass writes"
    )
    assert STATS["refused"] > 0 and STATS["bypass"] > 0, "the failing paths were never exercised"
