"""Optimistic concurrency over HTTP: ``ETag`` carries a version, ``If-Match`` sends it back."""

from __future__ import annotations

import re

from rest_framework.request import Request
from rest_framework.response import Response

from trainers.api.errors import PreconditionFailed

# "3", W/"3" or a bare 3; a weak tag is accepted because versions are exact anyway.
_TAG = re.compile(r'^\s*(?:W/)?"?(\d{1,9})"?\s*$')
MALFORMED = 'If-Match must carry one version as an entity tag, such as "3".'


def expected_version(request: Request) -> int | None:
    """The version named by ``If-Match``; None when absent or ``*`` (last write wins)."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = _TAG.match(header)
    if match is None:
        raise PreconditionFailed(MALFORMED)
    return int(match.group(1))


def etag(version: int) -> str:
    return f'"{version}"'


def with_etag(response: Response, version: int) -> Response:
    response["ETag"] = etag(version)
    return response
