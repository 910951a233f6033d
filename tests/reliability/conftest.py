"""Data made through the handlers, and staff credentials, for the reliability tests."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from datetime import date

import pytest
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token

from trainers import commands as c
from trainers.handlers import dispatch
from trainers.models import Branch, Trainer

_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _quiet_http_client() -> Iterator[None]:
    """httpx logs every request at INFO; hundreds of them would bury the printed figures."""
    logger = logging.getLogger("httpx")
    level = logger.level
    logger.setLevel(logging.WARNING)
    yield
    logger.setLevel(level)


def register(branch: str = "downtown", **fields: object) -> Trainer:
    n = next(_seq)
    command = c.TrainerRegister(
        first_name="Ana",
        last_name=f"Silva{n}",
        email=f"ana{n}@gym.example.com",
        hired_on=date(2019, 5, 1),
        branch=branch,
        **fields,  # type: ignore[arg-type]
    )
    trainer: Trainer = dispatch(command)
    return trainer


@pytest.fixture
def branch(transactional_db: None) -> Branch:
    branch: Branch = dispatch(c.BranchCreate(slug="downtown", name="Downtown", city="Lisbon"))
    return branch


@pytest.fixture
def superuser_token(transactional_db: None) -> str:
    user = User.objects.create_superuser("root", "root@gym.example.com", "a-long-test-password")
    return str(Token.objects.create(user=user).key)
