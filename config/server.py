"""uvicorn's HTTP protocol (httptools) with the bounds it lacks: ``--http config.server:Bounded``.

Per connection, before the application sees anything:

- a request must arrive whole (request line, headers and body) within
  ``REQUEST_TIMEOUT_SECONDS`` (10) of its first byte, and a new connection must start
  one within the same time: otherwise 408 and the connection is closed (slow or idle
  sockets, "slowloris"). Idle keep-alive connections between requests are closed by
  uvicorn's own ``--timeout-keep-alive``; a response (a change-feed stream) is not
  limited.
- the request line and headers are at most ``MAX_HEADER_BYTES`` (32 KiB) and
  ``MAX_HEADERS`` (100) fields: otherwise 431 and close.
- the body is counted as it arrives, chunked or not: past ``MAX_BODY_BYTES`` (1 MiB,
  the same limit Django and the parsers apply; for a multipart upload
  ``PHOTO_MAX_BYTES`` and 256 KiB for the form) it is 413 and close, and nothing more
  is read or buffered. A ``Content-Length`` above the limit is refused before any body.

The limits are read once per process from the environment (docs/security.md).
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from config.problems import CONTENT_TYPE, problem

REQUEST_TIMEOUT = float(os.environ.get("REQUEST_TIMEOUT_SECONDS", "10"))
MAX_HEADER_BYTES = int(os.environ.get("MAX_HEADER_BYTES", str(32 * 1024)))
MAX_HEADERS = int(os.environ.get("MAX_HEADERS", "100"))
MAX_BODY_BYTES = int(os.environ.get("MAX_BODY_BYTES", str(1024 * 1024)))
# A multipart/form-data body carries a file (a trainer's photo): up to PHOTO_MAX_BYTES
# and room for the form around it. Django and the photo handler check the file itself.
MAX_UPLOAD_BYTES = int(os.environ.get("PHOTO_MAX_BYTES", str(10 * 1024 * 1024))) + 256 * 1024


def body_limit(headers: list[tuple[bytes, bytes]]) -> int:
    """The most body bytes a request with these headers may send."""
    for name, value in headers:
        if name.lower() == b"content-type":
            if value.lower().startswith(b"multipart/form-data"):
                return MAX_UPLOAD_BYTES
            break
    return MAX_BODY_BYTES


# uvicorn as deployed (Dockerfile, make run), for the servers tests and the benchmark
# start: the app finds the client itself (NUM_PROXIES, config/clientip.py), and this
# protocol bounds headers, bodies and request time.
UVICORN_OPTIONS = (
    "--no-proxy-headers",
    "--http",
    "config.server:Bounded",
    "--timeout-keep-alive",
    "5",
)

MESSAGES = {
    408: "The request did not arrive in time.",
    413: "The request body is larger than this server accepts (docs/security.md).",
    431: "The request line and headers are too large.",
}


class Bounded(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadline: asyncio.TimerHandle | None = None
        self.header_bytes = 0
        self.header_count = 0
        self.body_bytes = 0
        self.body_limit = MAX_BODY_BYTES
        self.refused = False
        # Whether the current request reached the application (it then has a cycle).
        self.started = False

    # The clock: from a connection's or a request's first byte to its last.
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self.disarm()
        super().connection_lost(exc)

    def arm(self) -> None:
        if self.deadline is None:
            self.deadline = self.loop.call_later(REQUEST_TIMEOUT, self.refuse, 408)

    def disarm(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def data_received(self, data: bytes) -> None:
        if self.refused:
            return
        super().data_received(data)

    # Parser callbacks.
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.header_bytes = self.header_count = self.body_bytes = 0
        self.started = False
        self.arm()

    def on_url(self, url: bytes) -> None:
        self.header_bytes += len(url)
        if self.header_bytes > MAX_HEADER_BYTES:
            self.refuse(431)
            return
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self.header_bytes += len(name) + len(value) + 4
        self.header_count += 1
        if self.header_bytes > MAX_HEADER_BYTES or self.header_count > MAX_HEADERS:
            self.refuse(431)
            return
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        if self.refused:
            return
        self.body_limit = body_limit(self.headers)
        for name, value in self.headers:
            if name == b"content-length" and value.isdigit() and int(value) > self.body_limit:
                self.refuse(413)
                return
        super().on_headers_complete()
        self.started = True

    def on_body(self, body: bytes) -> None:
        if self.refused:
            return
        self.body_bytes += len(body)
        if self.body_bytes > self.body_limit:
            self.refuse(413)
            return
        super().on_body(body)

    def on_message_complete(self) -> None:
        if self.refused:
            return
        self.disarm()
        super().on_message_complete()

    def refuse(self, status: int) -> None:
        """Answer ``status`` (unless a response has begun) and close the connection."""
        self.deadline = None
        if self.refused or self.transport.is_closing():
            return
        self.refused = True
        cycle = self.cycle if self.started else None
        if cycle is None or not cycle.response_started:
            if cycle is not None:  # the application is reading this body: it gets a disconnect
                cycle.response_started = cycle.response_complete = True
                cycle.disconnected = True
                cycle.message_event.set()
            body = json.dumps(problem(status, MESSAGES[status])).encode()
            self.transport.write(
                b"".join(
                    [
                        STATUS_LINE[status],
                        b"content-type: " + CONTENT_TYPE.encode() + b"\r\n",
                        b"content-length: " + str(len(body)).encode() + b"\r\n",
                        b"connection: close\r\n\r\n",
                        body,
                    ]
                )
            )
        self.transport.close()
