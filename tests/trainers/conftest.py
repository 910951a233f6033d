"""Fixtures for the write side: catalog and trainers created through the handlers."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from django.contrib.auth.models import User

from trainers.commands import (
    BranchCreate,
    CertificationAdd,
    GymClassSchedule,
    SpecialtyCreate,
    TrainerRegister,
)
from trainers.cqrs import Actor
from trainers.handlers import (
    branch_create,
    certification_add,
    gym_class_schedule,
    specialty_create,
    trainer_register,
)
from trainers.models import Branch, Certification, Event, GymClass, Specialty, Trainer


def register_command(**overrides: Any) -> TrainerRegister:
    """A valid registration for the ``branch`` fixture; override any field."""
    fields: dict[str, Any] = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "hired_on": date(2020, 3, 1),
        "branch": "central",
        "date_of_birth": date(1990, 12, 10),
        "specialties": ("yoga",),
        **overrides,
    }
    return TrainerRegister(**fields)


def events_of(aggregate_id: object) -> list[Event]:
    return list(Event.objects.filter(aggregate_id=str(aggregate_id)).order_by("id"))


@pytest.fixture
def staff(db: None) -> User:
    return User.objects.create_user("coach-admin", is_staff=True)


@pytest.fixture
def actor(staff: User) -> Actor:
    return Actor.of(staff)


@pytest.fixture
def branch(db: None) -> Branch:
    return branch_create(
        BranchCreate(slug="central", name="Central", city="Berlin", timezone="Europe/Berlin")
    )


@pytest.fixture
def other_branch(db: None) -> Branch:
    return branch_create(BranchCreate(slug="north", name="North", city="Oslo", timezone="UTC"))


@pytest.fixture
def yoga(db: None) -> Specialty:
    return specialty_create(SpecialtyCreate(slug="yoga", name="Yoga"))


@pytest.fixture
def strength(db: None) -> Specialty:
    return specialty_create(SpecialtyCreate(slug="strength", name="Strength"))


@pytest.fixture
def trainer(branch: Branch, yoga: Specialty, strength: Specialty) -> Trainer:
    """A draft trainer at version 1 with the specialty yoga."""
    return trainer_register(register_command())


@pytest.fixture
def other_trainer(branch: Branch, yoga: Specialty) -> Trainer:
    return trainer_register(
        register_command(first_name="Grace", last_name="Hopper", email="grace@example.com")
    )


@pytest.fixture
def certification(trainer: Trainer) -> Certification:
    """Adding it bumps ``trainer`` to version 2 in the database."""
    return certification_add(
        CertificationAdd(
            trainer_id=trainer.pk,
            name="RYT-200",
            issuer="Yoga Alliance",
            issued_on=date(2021, 1, 1),
            expires_on=date(2024, 1, 1),
        )
    )


@pytest.fixture
def gym_class(trainer: Trainer) -> GymClass:
    """Monday 09:00-10:00 at Central, taught by ``trainer``."""
    return gym_class_schedule(schedule_command(trainer.pk))


def schedule_command(trainer_id: Any, **overrides: Any) -> GymClassSchedule:
    fields: dict[str, Any] = {
        "title": "Morning Flow",
        "branch": "central",
        "trainer_id": trainer_id,
        "weekday": 1,
        "start_time": time(9, 0),
        "duration_minutes": 60,
        "capacity": 12,
        **overrides,
    }
    return GymClassSchedule(**fields)
