"""What browsers and shared caches (a CDN, Varnish) are told about the query API's answers.

- ``Cache-Control`` (``CachePolicy``): browsers revalidate every use (``max-age=0``,
  with the ETag a 304 costs no body), so staff see their change on the next read.
  Shared caches keep an answer for ``s-maxage`` seconds, may serve it stale while they
  revalidate it (``stale-while-revalidate``) or while the app is down
  (``stale-if-error``), and are purged by key when the data changes
  (``readapi/purge.py``). Without a purger (``CDN_PURGE_URLS`` unset) ``s-maxage``
  defaults to 0: a shared cache then revalidates every use, like a browser.
- ``Surrogate-Key`` (Fastly's name; ``xkey`` for Varnish's xkey module): the
  dependency keys of the answer (``readapi/keys.py``), the same keys the database
  announces when a change touches them.
- CORS (``QueryFront``): the data is public, so any origin may read it
  (``QUERY_CORS_ORIGINS``, ``*`` by default) and browser code may see the headers a
  client needs.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config import lsn
from config.problems import CONTENT_TYPE, problem
from readapi.json import dumps

SURROGATE_KEY = b"surrogate-key"
XKEY = b"xkey"
# Request headers browser code may send, and response headers it may read.
ALLOW_HEADERS = ("Cache-Control", "If-None-Match", lsn.HEADER, "Last-Event-ID", "X-Request-ID")
EXPOSE_HEADERS = (
    "ETag",
    "Retry-After",
    "X-Request-ID",
    "X-Cache",
    "Surrogate-Key",
    "Content-Length",
)


def _seconds(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    value = int(raw)
    if value < 0:
        raise ValueError(f"{name} must be 0 or more seconds, not {value}")
    return value


@dataclass(frozen=True, slots=True)
class CachePolicy:
    max_age: int = 0
    s_maxage: int = 0
    stale_while_revalidate: int = 30
    stale_if_error: int = 86400

    @classmethod
    def from_env(cls) -> CachePolicy:
        purged = bool(os.environ.get("CDN_PURGE_URLS", "").strip())
        return cls(
            max_age=_seconds("QUERY_MAX_AGE", 0),
            s_maxage=_seconds("QUERY_S_MAXAGE", 300 if purged else 0),
            stale_while_revalidate=_seconds("QUERY_STALE_WHILE_REVALIDATE", 30),
            stale_if_error=_seconds("QUERY_STALE_IF_ERROR", 86400),
        )

    def header(self) -> bytes:
        if self.max_age == 0 and self.s_maxage == 0:
            # Stored, but revalidated on every use, by browsers and shared caches alike.
            parts = ["public", "no-cache"]
        else:
            parts = ["public", f"max-age={self.max_age}", f"s-maxage={self.s_maxage}"]
            if self.stale_while_revalidate:
                parts.append(f"stale-while-revalidate={self.stale_while_revalidate}")
        if self.stale_if_error:
            parts.append(f"stale-if-error={self.stale_if_error}")
        return ", ".join(parts).encode()


@functools.lru_cache(maxsize=4096)
def key_headers(keys: frozenset[str]) -> tuple[tuple[bytes, bytes], ...]:
    """``Surrogate-Key`` and ``xkey``: the answer's dependency keys, space-separated."""
    value = " ".join(sorted(keys)).encode()
    return ((SURROGATE_KEY, value), (XKEY, value))


def cors_origins_from_env() -> list[str]:
    raw = os.environ.get("QUERY_CORS_ORIGINS", "*")
    return [o.strip().rstrip("/") for o in raw.split(",") if o.strip()]


class QueryFront:
    """The query side's one layer before routing: CORS and the security headers on every
    answer, CORS preflights, and ``HEAD`` as ``GET``.

    One layer, not three nested ones: each nested ASGI layer costs a coroutine frame that
    every suspension of a request (a pool wait, a statement) passes through twice, and a
    send wrapper on every message; three layers here and four outside cost a detail page
    past the cache a third of its rate (docs/performance.md).

    CORS, shaped for shared caches: with ``*`` every answer carries
    ``Access-Control-Allow-Origin: *``, whether or not the request named an origin: an
    answer a shared cache stored for a client without ``Origin`` then serves browser
    code too. With a list of origins, an allowed origin is echoed and every answer says
    ``Vary: Origin``. A preflight from an allowed origin is answered here (204); from
    another, 403 problem details. With no origin configured there is no CORS at all.
    ``security``: the headers every answer carries after the CORS ones
    (``readapi/security.py``), 429s, error pages and preflights included.
    """

    def __init__(
        self, app: ASGIApp, origins: list[str], security: list[tuple[bytes, bytes]]
    ) -> None:
        self.app = app
        self.head = HeadAsGet(app)
        self.cors = bool(origins)
        self.any = "*" in origins
        self.origins = frozenset(o.encode() for o in origins)
        self.security = list(security)
        exposed = ", ".join(EXPOSE_HEADERS).encode()
        cors: list[tuple[bytes, bytes]] = []
        if self.any:
            cors = [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-expose-headers", exposed),
            ]
        elif self.cors:
            cors = [(b"vary", b"Origin")]
        self.cors_always = cors
        # What every answer gets when the request adds nothing of its own.
        self.always = [*cors, *self.security]
        self.exposed = exposed
        self.preflight = [
            (b"access-control-allow-methods", b"GET, HEAD, OPTIONS"),
            (b"access-control-allow-headers", ", ".join(ALLOW_HEADERS).encode()),
            (b"access-control-max-age", b"600"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"]
        headers = self.always
        if self.cors and (method == "OPTIONS" or not self.any):
            origin = None
            requested = False
            for name, value in scope["headers"]:
                if name == b"origin":
                    origin = value
                elif name == b"access-control-request-method":
                    requested = True
            allowed = origin is not None and (self.any or origin in self.origins)
            if allowed and not self.any:
                assert origin is not None
                headers = [
                    *self.cors_always,
                    (b"access-control-allow-origin", origin),
                    (b"access-control-expose-headers", self.exposed),
                    *self.security,
                ]
            if method == "OPTIONS" and requested and origin is not None:
                await self._preflight(send, [*headers, *self.preflight], allowed)
                return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", ()), *headers]
            await send(message)

        app = self.head if method == "HEAD" else self.app
        await app(scope, receive, send_with_headers)

    async def _preflight(
        self, send: Send, headers: list[tuple[bytes, bytes]], allowed: bool
    ) -> None:
        if allowed:
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        body = dumps(problem(403, "This origin may not read the query API (QUERY_CORS_ORIGINS)."))
        await send(
            {
                "type": "http.response.start",
                "status": 403,
                "headers": [
                    (b"content-type", CONTENT_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"vary", b"Origin"),
                    *self.security,
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class HeadAsGet:
    """``HEAD`` wherever ``GET`` works (RFC 9110): the GET's status and headers, no body.

    The app below sees a GET; the body it sends is dropped. A stream (the change feed)
    is told the client left once its headers are out, so it ends.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        done = False

        async def receive_head() -> Message:
            if done:
                return {"type": "http.disconnect"}
            return await receive()

        async def send_head(message: Message) -> None:
            nonlocal done
            if message["type"] == "http.response.start":
                await send(message)
            elif message["type"] == "http.response.body" and not done:
                done = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app({**scope, "method": "GET"}, receive_head, send_head)
