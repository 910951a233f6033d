"""Every error of the operations API as problem details (config/problems.py)."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.core.exceptions import BadRequest
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from config.problems import CONTENT_TYPE, problem
from trainers.rebuild import RebuildBusy

logger = logging.getLogger(__name__)

NOT_AUTHENTICATED = "Authenticate with a staff session or `Authorization: Token <key>`."


def problem_response(status: int, detail: str | None = None, **extra: Any) -> HttpResponse:
    response = HttpResponse(
        json.dumps(problem(status, detail, **extra)), status=status, content_type=CONTENT_TYPE
    )
    if status == 401:
        response["WWW-Authenticate"] = "Token"
    return response


def install(api: NinjaAPI) -> None:
    """Map ninja's, Django's and our own exceptions to problem details on ``api``."""

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem_response(401, NOT_AUTHENTICATED)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem_response(exc.status_code, exc.message)

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {
                "field": ".".join(str(part) for part in error.get("loc", ())[1:]) or "request",
                "message": str(error.get("msg", "invalid")),
            }
            for error in exc.errors
        ]
        return problem_response(422, "The request has invalid parameters.", errors=errors)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem_response(404, str(exc) or None)

    # A session's CSRF check reads a form body: multipart without a boundary, or a form
    # in another charset than UTF-8, cannot be read (issue 17: it was a 500).
    @api.exception_handler(MultiPartParserError)
    def malformed_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        return problem_response(400, f"The request body cannot be read: {exc}")

    @api.exception_handler(BadRequest)
    def bad_request(request: HttpRequest, exc: BadRequest) -> HttpResponse:
        return problem_response(400, f"The request body cannot be read: {exc}")

    @api.exception_handler(RebuildBusy)
    def busy(request: HttpRequest, exc: RebuildBusy) -> HttpResponse:
        return problem_response(409, str(exc))

    @api.exception_handler(Exception)
    def unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
        if isinstance(exc, OperationalError | InterfaceError):
            logger.warning("ops API: database unavailable: %s", exc)
            response = problem_response(503, "The database is unavailable; retry shortly.")
            response["Retry-After"] = "5"
            return response
        logger.exception("ops API: unexpected error", exc_info=exc)
        return problem_response(500, "An unexpected error occurred.")
