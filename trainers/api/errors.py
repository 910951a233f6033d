"""Every error of the command API as RFC 9457 problem details, mapped in this one place.

DomainError -> status: NotFound 404, VersionConflict 412 (a version is only ever
sent as ``If-Match``), RuleViolation 409, InvalidInput 400, PhotoTooLarge 413.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from config.problems import CONTENT_TYPE, problem
from trainers import errors as domain
from trainers.api.parsers import PayloadTooLarge

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"

DOMAIN_STATUS: dict[type[domain.DomainError], int] = {
    domain.NotFound: 404,
    domain.VersionConflict: 412,
    domain.RuleViolation: 409,
    domain.InvalidInput: 400,
    domain.OutsideYourBranches: 403,
    domain.PhotoTooLarge: 413,
}
INVALID_INPUT = "The request has invalid fields."


class PreconditionFailed(drf.APIException):
    status_code = 412
    default_detail = "The precondition given in the request headers failed."
    default_code = "precondition_failed"


class MalformedPrecondition(drf.APIException):
    """A conditional header that is not one (``If-Match: 3``, ``"06"``, a list): 400."""

    status_code = 400
    default_detail = "A conditional request header is malformed."
    default_code = "malformed_precondition"


class DatabaseUnavailable(drf.APIException):
    """The database cannot be reached (down, restarting, connect timeout): retry shortly."""

    status_code = 503
    default_detail = "The database is unavailable; retry shortly."
    default_code = "database_unavailable"
    wait = 5


class IdempotencyKeyReused(drf.APIException):
    status_code = 422
    default_detail = "This Idempotency-Key was already used for a different request."
    default_code = "idempotency_key_reused"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: problem details for API and domain errors alike."""
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, OperationalError | InterfaceError):
        # Connection-level failures only; a query bug is a ProgrammingError and stays a 500.
        logger.warning("command API: database unavailable: %s", exc)
        exc = DatabaseUnavailable()

    if isinstance(exc, domain.DomainError):
        status = DOMAIN_STATUS.get(type(exc), 400)
        # A command may name a field differently from the request body (trainer_id / trainer).
        aliases = getattr(context.get("view"), "error_fields", {})
        field_errors = [
            {**e, "field": aliases.get(e["field"], e["field"])} for e in flatten(exc.errors)
        ]
        body = problem(status, exc.message, errors=field_errors, code=exc.code)
        return problem_response(body)
    if not isinstance(exc, drf.APIException):
        return None  # a bug: Django's 500 handling (JSON under /api/, see server_error)

    headers: dict[str, str] = {}
    if auth_header := getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = auth_header
    if wait := getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(wait))
    set_rollback()
    if isinstance(exc, drf.ValidationError):
        field_errors = flatten(exc.detail)
        one = len(field_errors) == 1
        detail = field_errors[0]["message"] if one else INVALID_INPUT
        code = "invalid"
    else:
        detail, field_errors, code = str(exc.detail), [], str(exc.get_codes())
    body = problem(exc.status_code, detail, errors=field_errors, code=code)
    return problem_response(body, headers)


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(body, status=body["status"], headers=headers, content_type=CONTENT_TYPE)


def flatten(detail: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error detail (dicts, lists) as ``[{"field", "message"}]``."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            if isinstance(key, int):  # ListField reports items by index
                out += flatten(value, f"{prefix}[{key}]")
            else:
                out += flatten(value, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [{"field": prefix or "non_field_errors", "message": str(m)} for m in detail]
        out = []
        for i, value in enumerate(detail):
            if value:
                out += flatten(value, f"{prefix}[{i}]")
        return out
    return [{"field": prefix or "non_field_errors", "message": str(detail)}]


# Django's own error views, JSON under /api/ (used when DEBUG is off) -----------------------


def _json_problem(status: int, detail: str) -> JsonResponse:
    return JsonResponse(problem(status, detail), status=status, content_type=CONTENT_TYPE)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return _json_problem(404, "No such resource.")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return _json_problem(500, "The server failed to handle the request.")
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return _json_problem(400, "The request could not be read.")
    return defaults.bad_request(request, exception)
