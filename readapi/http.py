"""Conditional GET: ETag on every 200, 304 when the client already holds that version.

Browsers revalidate every use (``readapi/edge.py`` builds ``Cache-Control``): a staff
member who publishes a trainer sees the change on the next read (read-your-writes),
while unchanged data costs a 304 without a body. Shared caches also get the answer's
dependency keys (``Surrogate-Key``, ``xkey``) to purge it by. Responses are built
with their raw header list: Starlette's header handling cost more than the rest of a
cached answer.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from config import lsn

JSON = b"application/json"
HIT = (b"x-cache", b"hit")
IF_NONE_MATCH = b"if-none-match"
CACHE_CONTROL = b"cache-control"
TOKEN = lsn.HEADER.lower().encode()
HOST = b"host"
# The request headers the cached routes read, found in one pass over the request's
# list: Starlette's ``Headers`` scans and decodes the whole list on every look-up.
READ = frozenset({IF_NONE_MATCH, CACHE_CONTROL, TOKEN, HOST})


def header(request: Request, name: bytes) -> str | None:
    """One of the ``READ`` headers of ``request`` (the first, if sent more than once)."""
    scope = request.scope
    found: dict[bytes, str] | None = scope.get("readapi.headers")
    if found is None:
        found = {}
        for key, value in scope["headers"]:
            if key in READ and key not in found:
                found[key] = value.decode("latin-1")
        scope["readapi.headers"] = found
    return found.get(name)


def _matches(header: str, etag: str) -> bool:
    if header.strip() == "*":
        return True
    candidates = (tag.strip().removeprefix("W/") for tag in header.split(","))
    return etag in candidates


class RawResponse(Response):
    """A response whose status, body and raw headers are given as they go out."""

    def __init__(self, status: int, body: bytes, headers: list[tuple[bytes, bytes]]) -> None:
        self.status_code = status
        self.body = body
        self.raw_headers = headers
        self.background = None


def conditional(
    request: Request,
    body: bytes,
    etag: str,
    keys: tuple[tuple[bytes, bytes], ...],
    *,
    hit: bool = False,
    content_type: bytes = JSON,
    extra: tuple[tuple[bytes, bytes], ...] = (),
) -> Response:
    """200 with ``body``, or 304 when the request's ``If-None-Match`` holds ``etag``.

    ``keys``: the answer's surrogate-key headers (``readapi.edge.key_headers``);
    ``extra``: more headers of a 200 (a page's content security policy).
    """
    quoted = f'"{etag}"'
    tag = quoted.encode()
    cache_control = request.app.state.cache_control
    if_none_match = header(request, IF_NONE_MATCH)
    if if_none_match and _matches(if_none_match, quoted):
        return RawResponse(304, b"", [(b"etag", tag), (b"cache-control", cache_control), *keys])
    headers = [
        (b"content-length", str(len(body)).encode()),
        (b"content-type", content_type),
        (b"etag", tag),
        (b"cache-control", cache_control),
        *keys,
        *extra,
    ]
    if hit:
        headers.append(HIT)
    return RawResponse(200, body, headers)
