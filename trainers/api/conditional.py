"""Optimistic concurrency over HTTP: ``ETag`` carries a version, ``If-Match`` sends it back."""

from __future__ import annotations

import re

from rest_framework.request import Request
from rest_framework.response import Response

from trainers.api.errors import MalformedPrecondition, PreconditionFailed

# Exactly one strong entity tag as this API writes it: "3" (no leading zero, no sign).
_TAG = re.compile(r'"(0|[1-9][0-9]{0,8})"')
# A weak tag, well-formed but never equal under the strong comparison If-Match uses.
_WEAK = re.compile(r'W/"[\x21\x23-\x7e]*"')
MALFORMED = 'If-Match must carry one version as an entity tag, such as "3".'
WEAK = 'If-Match uses strong comparison: a weak tag (W/"3") never matches; send "3".'


def expected_version(request: Request) -> int | None:
    """The version named by ``If-Match``; None when absent or ``*`` (last write wins).

    Strict (RFC 9110, 13.1.1): one strong tag, compared character for character with the
    ``ETag`` we send, so ``"06"`` is not version 6. A weak tag is 412, anything else 400.
    """
    header = request.headers.get("If-Match")
    if header is None:
        return None
    header = header.strip(" \t")
    if header == "*":
        return None
    match = _TAG.fullmatch(header)
    if match is not None:
        return int(match.group(1))
    if _WEAK.fullmatch(header):
        raise PreconditionFailed(WEAK)
    raise MalformedPrecondition(MALFORMED)


def etag(version: int) -> str:
    return f'"{version}"'


def with_etag(response: Response, version: int) -> Response:
    response["ETag"] = etag(version)
    return response
