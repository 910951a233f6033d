"""Conditional GET: ETag on every 200, 304 when the client already holds that version.

``no-cache`` lets browsers and proxies store a response but revalidate it on
every use: a staff member who publishes a trainer sees the change on the next
read (read-your-writes), while unchanged data costs a 304 without a body.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from readapi.json import ORJSONBytes
from readapi.queries import Document

CACHE_CONTROL = "public, no-cache"


def _matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    candidates = (tag.strip().removeprefix("W/") for tag in header.split(","))
    return etag in candidates


def conditional(request: Request, document: Document) -> Response:
    etag = f'"{document.etag}"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if_none_match = request.headers.get("if-none-match")
    if if_none_match and _matches(if_none_match, etag):
        return Response(status_code=304, headers=headers)
    return ORJSONBytes(document.body, headers=headers)
