"""Catalog and trainers made through the handlers, as the admin would find them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, cast

import pytest

from trainers import commands as c
from trainers.handlers import dispatch
from trainers.models import Branch, Specialty, Trainer


@pytest.fixture
def branch(db: None) -> Branch:
    return cast(Branch, dispatch(c.BranchCreate(slug="downtown", name="Downtown", city="Lisbon")))


@pytest.fixture
def yoga(db: None) -> Specialty:
    return cast(Specialty, dispatch(c.SpecialtyCreate(slug="yoga", name="Yoga")))


@pytest.fixture
def strength(db: None) -> Specialty:
    return cast(Specialty, dispatch(c.SpecialtyCreate(slug="strength", name="Strength")))


@pytest.fixture
def make_trainer(branch: Branch) -> Callable[..., Trainer]:
    def make(first_name: str = "Ann", last_name: str = "Lee", **fields: Any) -> Trainer:
        command = c.TrainerRegister(
            first_name=first_name,
            last_name=last_name,
            email=fields.pop("email", f"{first_name}.{last_name}@gym.test".lower()),
            hired_on=fields.pop("hired_on", date(2020, 1, 6)),
            branch=branch.slug,
            **fields,
        )
        return cast(Trainer, dispatch(command))

    return make


@pytest.fixture
def trainer(make_trainer: Callable[..., Trainer]) -> Trainer:
    return make_trainer()
