"""Users with model permissions, API clients, and write-model data made through the handlers."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from trainers.commands import BranchCreate, SpecialtyCreate, TrainerRegister
from trainers.handlers import branch_create, specialty_create, trainer_register
from trainers.models import Branch, Specialty, Trainer

PASSWORD = "a-long-test-password-42"
MODELS = ("trainer", "certification", "gymclass", "branch", "specialty")
_seq = itertools.count(1)


@pytest.fixture(autouse=True)
def _fast_hashes_fresh_throttles(settings: Any) -> Iterator[None]:
    """A cheap password hasher; throttle counters live in the cache, which outlives a test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


def make_user(*perms: str, username: str | None = None) -> User:
    """A staff user holding exactly ``perms`` (codenames such as "add_trainer")."""
    user = User.objects.create_user(
        username or f"staff{next(_seq)}", password=PASSWORD, is_staff=True
    )
    user.user_permissions.set(Permission.objects.filter(codename__in=perms))
    return user


def token_client(user: User) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


@pytest.fixture
def editor(db: None) -> User:
    """Staff with every add/change/delete/view permission on the trainer models."""
    actions = ("add", "change", "delete", "view")
    return make_user(*(f"{a}_{m}" for a in actions for m in MODELS), username="editor")


@pytest.fixture
def api(editor: User) -> APIClient:
    return token_client(editor)


@pytest.fixture
def anonymous() -> APIClient:
    return APIClient()


@pytest.fixture
def branch(db: None) -> Branch:
    return branch_create(BranchCreate(slug="downtown", name="Downtown", city="Lisbon"))


@pytest.fixture
def specialty(db: None) -> Specialty:
    return specialty_create(SpecialtyCreate(slug="yoga", name="Yoga"))


def register(branch: Branch, **overrides: Any) -> Trainer:
    n = next(_seq)
    fields: dict[str, Any] = {
        "first_name": "Ana",
        "last_name": f"Silva{n}",
        "email": f"ana{n}@gym.example.com",
        "hired_on": date(2019, 5, 1),
        "branch": branch.slug,
        "date_of_birth": date(1990, 2, 3),
    }
    return trainer_register(TrainerRegister(**(fields | overrides)))


@pytest.fixture
def trainer(branch: Branch) -> Trainer:
    return register(branch)


def trainer_payload(**overrides: Any) -> dict[str, Any]:
    """A full register body for the "downtown" branch (the ``branch`` fixture)."""
    n = next(_seq)
    payload: dict[str, Any] = {
        "first_name": "Marta",
        "last_name": f"Costa{n}",
        "position": "senior_trainer",
        "shift": "evening",
        "hired_on": "2020-01-15",
        "date_of_birth": "1988-07-09",
        "email": f"marta{n}@gym.example.com",
        "phone": "+351 912 345 678",
        "bio": "Strength and mobility.",
        "photo_url": "https://img.example.com/marta.jpg",
        "branch": "downtown",
        "specialties": [],
        "internal_notes": "Prefers mornings.",
    }
    return payload | overrides
