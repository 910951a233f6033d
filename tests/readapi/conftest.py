"""Query-side fixtures: committed write-model data, read through the composed app."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

import pytest

from tests.factories import (
    make_branch,
    make_certification,
    make_class,
    make_specialty,
    make_trainer,
)
from trainers.models import Branch, Specialty, Status, Trainer


@dataclass
class Gym:
    downtown: Branch
    riverside: Branch
    yoga: Specialty
    strength: Specialty
    ana: Trainer
    bruno: Trainer
    carla: Trainer
    draft: Trainer
    retired: Trainer


@pytest.fixture
def gym(transactional_db: None) -> Gym:
    """Two branches, two specialties, three public trainers and two hidden ones."""
    downtown = make_branch(slug="downtown", name="Downtown", city="Lisbon")
    riverside = make_branch(slug="riverside", name="Riverside", city="Porto")
    yoga = make_specialty(slug="yoga", name="Yoga")
    strength = make_specialty(slug="strength", name="Strength")
    ana = make_trainer(
        first_name="Ana",
        last_name="Silva",
        branch=downtown,
        position="senior_trainer",
        shift="morning",
        hired_on=date(2015, 1, 10),
        bio="Vinyasa flow and mobility.",
        specialties=[yoga],
    )
    bruno = make_trainer(
        first_name="Bruno",
        last_name="Costa",
        branch=downtown,
        position="head_coach",
        shift="evening",
        bio="Powerlifting coach who also teaches yoga basics.",
        specialties=[strength, yoga],
    )
    carla = make_trainer(
        first_name="Carla",
        last_name="Mendes",
        branch=riverside,
        shift="evening",
        status=Status.ON_LEAVE,
        specialties=[strength],
    )
    make_class(ana, title="Morning flow", weekday=1, start_time=time(7, 0))
    make_class(ana, title="Sunset yoga", weekday=3, start_time=time(19, 0), branch=riverside)
    make_class(bruno, title="Deadlift clinic", weekday=3, start_time=time(18, 0))
    make_certification(ana, name="RYT 200", issued_on=date(2016, 5, 1))
    make_certification(ana, name="Old CPR", issued_on=date(2010, 1, 1), expires_on=date(2012, 1, 1))
    draft = make_trainer(first_name="Dora", last_name="Draft", branch=downtown, status=Status.DRAFT)
    retired = make_trainer(
        first_name="Rui", last_name="Retired", branch=downtown, status=Status.RETIRED
    )
    make_class(draft, title="Secret class", weekday=1)
    return Gym(downtown, riverside, yoga, strength, ana, bruno, carla, draft, retired)
