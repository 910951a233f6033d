"""Request bodies of unknown length (``Transfer-Encoding: chunked``), made known.

Django reads a body only up to its ``Content-Length``: a chunked POST to ``/api/``
looked empty ("Send at least one field"). This wrapper reads such a body first,
counting the bytes as they arrive, and refuses it with 413 past its limit
(``config.server.body_limit``: ``MAX_BODY_BYTES``, more for a multipart upload);
otherwise it hands the application the body with its ``Content-Length``. The server
protocol (config/server.py) bounds every body before this; this bound also holds
where it does not run (the test client, another server).
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config.problems import CONTENT_TYPE, problem
from config.server import body_limit


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps(
        problem(413, f"The request body exceeds {limit} bytes.", code="payload_too_large")
    ).encode()
    headers = [(b"content-type", CONTENT_TYPE.encode()), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class KnownLength:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD") or not chunked(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        limit = body_limit(scope["headers"])
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _refuse(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        headers = [(k, v) for k, v in scope["headers"] if k != b"transfer-encoding"]
        headers.append((b"content-length", str(len(body)).encode()))
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app({**scope, "headers": headers}, replay, send)


def chunked(scope: Scope) -> bool:
    chunked = False
    for name, value in scope["headers"]:
        if name == b"content-length":
            return False
        if name == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    return chunked
