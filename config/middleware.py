"""Database outages answer 503 problem details on every Django page, not a 500.

DRF views map them in ``trainers.api.errors``; this covers the rest (admin,
Django's own views). ``OperationalError`` and ``InterfaceError`` are what
Django raises when the server is down, restarting or does not answer within
``connect_timeout``; a broken query is a ``ProgrammingError`` and stays a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

from config.problems import CONTENT_TYPE, problem

logger = logging.getLogger(__name__)

RETRY_AFTER = "5"
DETAIL = "The database is unavailable; retry shortly."


def database_unavailable() -> JsonResponse:
    body = problem(503, DETAIL, code="database_unavailable")
    response = JsonResponse(body, status=503, content_type=CONTENT_TYPE)
    response["Retry-After"] = RETRY_AFTER
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError | InterfaceError):
            logger.warning("database unavailable on %s: %s", request.path, exception)
            return database_unavailable()
        return None
