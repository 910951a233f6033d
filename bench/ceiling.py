"""The ceiling: a bare ASGI app answering every request with one fixed body.

The harness runs it in a uvicorn process of its own (uvloop, httptools, one worker,
no access log), outside the project's middleware, with ``BENCH_CEILING_BYTES`` set
to the size of a real list page: what one worker on this machine serves when the
application does nothing. Nothing else is imported, so nothing else costs.
"""

from __future__ import annotations

import os
from typing import Any

BYTES_VARIABLE = "BENCH_CEILING_BYTES"


def body(size: int) -> bytes:
    """A JSON body of exactly ``size`` bytes (at least 10)."""
    return b'{"pad":"' + b"x" * max(size - 10, 0) + b'"}'


BODY = body(int(os.environ.get(BYTES_VARIABLE, "8000")))
HEADERS = [
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BODY)).encode()),
]


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
