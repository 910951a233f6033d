"""What every command view shares: parsing, rendering with ETag, documented headers and errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.problems import CONTENT_TYPE
from trainers.api.conditional import expected_version, with_etag
from trainers.api.serializers import ProblemOutput
from trainers.cqrs import Actor

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='The version you last read, exactly as its ETag ("3"): one strong tag. A stale '
    'version or a weak tag (W/"3") gets 412 and changes nothing; anything else ("03", 3, a '
    "list) gets 400. Without it the last write wins.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Up to 255 characters. A retry with the same key returns the first response "
    "(with Idempotent-Replayed: true) and changes nothing; reusing a key for another "
    "request gets 422.",
)

_PROBLEMS = {
    400: "Invalid input: malformed JSON, wrong types, unknown fields (per-field `errors`), "
    "a malformed If-Match.",
    401: "No or bad credentials.",
    403: "Missing model permission, or CSRF failure with session auth.",
    404: "No such resource.",
    409: "A business rule forbids the command (transition, overlap, duplicate).",
    412: "If-Match names a stale version, or is a weak tag.",
    413: "The body is larger than the server accepts.",
    415: "The body is not application/json.",
    422: "The Idempotency-Key was used for a different request.",
    429: "Too many requests from this client; retry after `Retry-After` seconds.",
    503: "The database is unavailable; retry after `Retry-After` seconds.",
}


def problems(*statuses: int) -> dict[Any, OpenApiResponse]:
    """Documented problem-details responses for ``extend_schema(responses=...)``.

    Keyed by (status, media type): they are served as ``application/problem+json``.
    """
    return {
        (s, CONTENT_TYPE): OpenApiResponse(ProblemOutput, description=_PROBLEMS[s])
        for s in statuses
    }


WRITE_PROBLEMS = (400, 401, 403, 413, 415)


def parse(
    serializer_class: type[serializers.Serializer[Any]], request: Request, *, partial: bool = False
) -> Any:
    """Validated input as a dict, or a 400 with per-field errors."""
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def parse_query(serializer_class: type[serializers.Serializer[Any]], request: Request) -> Any:
    """Validated query parameters as a dict, or a 400 with per-parameter errors."""
    serializer = serializer_class(data=request.query_params.dict())
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def actor(request: Request) -> Actor:
    return Actor.of(request.user)


Output = type[serializers.BaseSerializer[Any]]


def render(
    output: Output,
    instance: Any,
    *,
    version: int | None = None,
    status: int = 200,
    location: str | None = None,
) -> Response:
    """The new state of what a command changed, its version (by default the instance's) in
    the body and as ETag."""
    response = Response(output(instance).data, status=status)
    if location is not None:
        response["Location"] = location
    return with_etag(response, instance.version if version is None else version)


def change(
    request: Request,
    input_serializer: type[serializers.Serializer[Any]],
    command_type: Callable[..., Any],
    handler: Callable[..., Any],
    output: Output,
    *,
    version_of: Callable[[Any], int] | None = None,
    **keys: Any,
) -> Response:
    """A PATCH: the fields sent become a command for what ``keys`` names, expecting the
    If-Match version; the handler's result is rendered with its new version."""
    command = command_type(
        **keys,
        expected_version=expected_version(request),
        **parse(input_serializer, request, partial=True),
    )
    result = handler(command, actor=actor(request))
    return render(output, result, version=version_of(result) if version_of else None)


@extend_schema(exclude=True)
class ApiNotFound(APIView):
    """Any path under /api/ that names nothing: a JSON 404, whatever the method."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    def http_method_not_allowed(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        raise NotFound("No such resource.")

    options = http_method_not_allowed
