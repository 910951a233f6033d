"""Who may call /ops/: staff, by DRF token or Django session, with a permission per endpoint.

Anonymous -> 401; signed in but not staff, or staff without the permission -> 403.
A session must pass Django's CSRF check on unsafe methods; a token needs none
(it is not sent by browsers on their own). The schema (``/ops/openapi.json``)
is for staff too and refuses others the same way; only the HTML docs page
sends a browser to the admin login instead.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from ninja.errors import AuthorizationError, HttpError
from ninja.openapi.views import openapi_json
from ninja.security import APIKeyCookie, APIKeyHeader
from ninja.utils import check_csrf

from trainers.api import tokens
from trainers.ops.errors import NOT_AUTHENTICATED, problem_response

F = TypeVar("F", bound=Callable[..., Any])

NOT_STAFF = "Only staff may use the operations API."
MISSING_PERMISSION = "This needs the permission {perm}."
CSRF_FAILED = "CSRF check failed: send the csrftoken cookie's value as X-CSRFToken."
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class TokenAuth(APIKeyHeader):
    """``Authorization: Token <key>``, the DRF token of the command API."""

    param_name = "Authorization"

    def _get_key(self, request: HttpRequest) -> str | None:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        return key.strip() if scheme.lower() == "token" and key.strip() else None

    def authenticate(self, request: HttpRequest, key: str | None) -> AbstractBaseUser | None:
        if key is None:
            return None
        token = tokens.authenticate(key)
        if token is None:
            return None
        request.user = token.user
        return _staff(token.user)


class SessionAuth(APIKeyCookie):
    """Django's session, with its CSRF check on unsafe methods (after authentication, so
    that an anonymous request gets 401, not a CSRF 403)."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> AbstractBaseUser | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method in UNSAFE_METHODS and check_csrf(request) is not None:
            raise HttpError(403, CSRF_FAILED)
        return _staff(cast(AbstractBaseUser, user))


def _staff(user: AbstractBaseUser) -> AbstractBaseUser:
    """Refuse a known non-staff user here, before ninja even parses the parameters."""
    if not getattr(user, "is_staff", False):
        raise AuthorizationError(message=NOT_STAFF)
    return user


def requires(perm: str) -> Callable[[F], F]:
    """Let through users holding ``perm`` (superusers hold every permission)."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            user = request.auth  # type: ignore[attr-defined]  # set by ninja's auth
            if not user.has_perm(perm):
                raise AuthorizationError(message=MISSING_PERMISSION.format(perm=perm))
            return view(request, *args, **kwargs)

        return cast(F, wrapper)

    return decorate


def docs_guard(view: F) -> F:
    """The ``docs_decorator`` of the ops API: the docs page sends a browser to the admin
    login; the schema answers API clients as every endpoint does (401 or 403 problem)."""
    if getattr(view, "func", None) is not openapi_json:
        return staff_member_required(view)

    def schema(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            user = TokenAuth()(request) or SessionAuth()(request)
        except HttpError as exc:  # AuthorizationError: a known user who is not staff
            return problem_response(exc.status_code, exc.message)
        if user is None:
            return problem_response(401, NOT_AUTHENTICATED)
        return cast(HttpResponse, view(request, *args, **kwargs))

    return cast(F, schema)
