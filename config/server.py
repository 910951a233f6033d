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

from uvicorn.protocols.http.httptools_impl import (
    HEADER_RE,
    HEADER_VALUE_RE,
    STATUS_LINE,
    HttpToolsProtocol,
    RequestResponseCycle,
)

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


# Response header lines already checked and rendered, by the (name, value) pair the
# application sent: most pairs repeat on every response (security and CORS headers,
# content types, cache policy). Emptied when full.
LINES: dict[tuple[bytes, bytes], bytes] = {}
LINES_MAX = 4096
# Header names whose values uvicorn reads: they take its own path.
FRAMING = frozenset({b"content-length", b"transfer-encoding", b"connection"})
# Names whose values differ from response to response: checked and rendered each time,
# not remembered (they would only push the others out).
VARYING = frozenset({b"etag", b"x-request-id", b"surrogate-key", b"xkey", b"location"})


class Cycle(RequestResponseCycle):
    """uvicorn's request/response cycle, with a cheaper way out for a common response.

    uvicorn checks each response header with two regular expressions and renders it on
    every response: with the query API's fifteen headers, 12 us of a cached answer's
    85 (measured, docs/performance.md). Here a header line is checked and rendered once, then
    remembered (``LINES``). A response whose start names its length and whose body
    comes in one message, all of it, goes out in one write with its head (uvicorn writes
    them apart: two system calls, two packets). Anything else (a stream, a HEAD, an
    access log, a paused transport, a header that frames the message otherwise) goes
    through uvicorn's own ``send``, which does the same checks.
    """

    head = b""

    async def send(self, message: Any) -> None:
        kind = message["type"]
        if kind == "http.response.start" and self._simple():
            self.head = self._render(message)
            if self.head:
                self.response_started = True
                self.waiting_for_100_continue = False
                return
        elif self.head and kind == "http.response.body":
            head, self.head = self.head, b""
            if self.disconnected:
                return
            body = message.get("body", b"")
            if not message.get("more_body", False) and len(body) == self.expected_content_length:
                self.transport.write(head + body)
                self.expected_content_length = 0
                self.response_complete = True
                self.message_event.set()
                if not self.keep_alive:
                    self.transport.close()
                self.on_response()
                return
            self.transport.write(head)  # uvicorn's send takes the body from here
        await super().send(message)

    def _simple(self) -> bool:
        return self.keep_alive and not (
            self.response_started
            or self.disconnected
            or self.access_log
            or self.flow.write_paused
            or self.scope["method"] == "HEAD"
        )

    def _render(self, message: Any) -> bytes:
        """The head of a response that names its length, or b"" for uvicorn's path."""
        lines = [STATUS_LINE[message["status"]]]
        length = -1
        for header in (*self.default_headers, *message.get("headers", ())):
            line = LINES.get(header)
            if line is None:
                name, value = header
                name = name.lower()
                if name in FRAMING:
                    if name != b"content-length" or length >= 0 or not value.isdigit():
                        return b""
                    length = int(value)
                elif HEADER_VALUE_RE.search(value) or (
                    name not in VARYING and HEADER_RE.search(name)
                ):
                    return b""  # uvicorn's send refuses it
                line = name + b": " + value + b"\r\n"
                if name not in VARYING and name not in FRAMING:
                    if len(LINES) >= LINES_MAX:
                        LINES.clear()
                    LINES[header] = line
            lines.append(line)
        if length < 0:
            return b""
        lines.append(b"\r\n")
        self.expected_content_length = length
        self.chunked_encoding = False
        return b"".join(lines)


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
        if type(self.cycle) is RequestResponseCycle:
            self.cycle.__class__ = Cycle  # uvicorn names its class where it makes one
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
