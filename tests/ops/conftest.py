"""Ops API fixtures: users with and without staff status and permissions, and their clients."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from rest_framework.authtoken.models import Token

ALL_OPS_PERMISSIONS = (
    "view_readmodelrun",
    "rebuild_read_model",
    "check_read_model",
    "view_event",
)

MakeClient = Callable[..., Client]


def make_user(username: str, *, staff: bool, perms: tuple[str, ...] = ()) -> User:
    user = User.objects.create_user(username, is_staff=staff)  # no password: hashing is slow
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="trainers", codename__in=perms)
    )
    return user


def token_client(user: User) -> Client:
    token = Token.objects.create(user=user)
    return Client(headers={"Authorization": f"Token {token.key}"})


@pytest.fixture
def operator(db: None) -> User:
    """Staff with every ops permission, not a superuser."""
    return make_user("operator", staff=True, perms=ALL_OPS_PERMISSIONS)


@pytest.fixture
def ops(operator: User) -> Client:
    """The operator, authenticated by token."""
    return token_client(operator)


@pytest.fixture
def client_for(db: None) -> MakeClient:
    """A token client for a new user: ``client_for(staff=True, perms=(...))``."""
    counter = iter(range(1_000_000))

    def build(*, staff: bool, perms: tuple[str, ...] = ()) -> Client:
        return token_client(make_user(f"user-{next(counter)}", staff=staff, perms=perms))

    return build
