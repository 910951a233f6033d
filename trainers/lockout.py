"""Login lockout (django-axes): one response for the admin login and the token endpoint.

After ``LOGIN_FAILURE_LIMIT`` failed logins from one client address (config/clientip.py,
so a made-up ``X-Forwarded-For`` does not help), that address may not log in for
``LOGIN_LOCKOUT_MINUTES``, even with the right password. The answer is 429 with
``Retry-After``: problem details on ``/api/``, a short page on the admin. Staff unlock
an address in the admin (Axes, "Access attempts": delete its row) or with
``manage.py axes_reset_ip ADDRESS`` (docs/security.md, "Login limits").
"""

from __future__ import annotations

import math
from typing import Any

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from rest_framework import exceptions

from config.problems import CONTENT_TYPE, problem

MESSAGE = (
    "Too many failed logins from your address: logging in is locked for {minutes} minutes. "
    "Wait, or ask a staff member to unlock it."
)


def minutes() -> int:
    return math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)


def message() -> str:
    return MESSAGE.format(minutes=minutes())


class LockoutBackend(AxesStandaloneBackend):  # type: ignore[misc]
    """django-axes' check, for logins made by a client (with a request).

    A login without a request (``Client.login`` in tests, code in a shell) comes from no
    client address, so there is nothing to lock: axes would refuse it outright.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)  # type: ignore[no-any-return]


class LockedOut(exceptions.Throttled):
    """The command API's form of a lockout: 429 problem details with ``Retry-After``."""

    default_code = "locked_out"

    def __init__(self) -> None:
        super().__init__(wait=settings.AXES_COOLOFF_TIME.total_seconds(), detail=message())


def response(
    request: HttpRequest, original: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """``AXES_LOCKOUT_CALLABLE``: what a locked-out login attempt gets."""
    retry = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    if request.path.startswith("/api/"):
        body = problem(429, message(), code="locked_out")
        answer: HttpResponse = JsonResponse(body, status=429, content_type=CONTENT_TYPE)
    else:
        page = (
            f"<!doctype html><title>Locked</title><h1>Login locked</h1><p>{escape(message())}</p>"
        )
        answer = HttpResponse(page, status=429, content_type="text/html; charset=utf-8")
    answer["Retry-After"] = retry
    return answer
