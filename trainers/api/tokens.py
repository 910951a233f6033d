"""API tokens that expire: ``API_TOKEN_MAX_AGE_HOURS`` after they were issued.

One place decides whether a token still authenticates, for the command API (DRF)
and the ops API (django-ninja) alike. Refresh: ``POST /api/auth/token/`` with the
password again; an expired token is then replaced by a new one (a live one is
returned as is, with its expiry). ``DELETE /api/auth/token/`` then ``POST`` rotates
a token early.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

EXPIRED = "Token has expired; get a new one with POST /api/auth/token/."


def max_age() -> timedelta:
    return timedelta(hours=settings.API_TOKEN_MAX_AGE_HOURS)


def expires_at(token: Token) -> datetime:
    created: datetime = token.created
    return created + max_age()


def expired(token: Token) -> bool:
    return timezone.now() >= expires_at(token)


def issue(user: User) -> Token:
    """The user's live token, or a new one in place of an expired one."""
    with transaction.atomic():
        token, created = Token.objects.select_for_update().get_or_create(user=user)
        if not created and expired(token):
            token.delete()
            token = Token.objects.create(user=user)
    return token


def authenticate(key: str) -> Token | None:
    """The token named by ``key`` while it is live and its user active; None otherwise."""
    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active or expired(token):
        return None
    return token


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing a token older than the maximum age."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Token]:
        user, token = super().authenticate_credentials(key)
        if expired(token):
            raise exceptions.AuthenticationFailed(EXPIRED)
        return user, token
