"""One thin ASGI middleware around the whole composition, and a Django hook for route names.

Per request: a request id (the client's ``X-Request-ID`` when sane, else a new
one) in a context variable and in the response, one count and one latency
sample per route template, and, with ``ACCESS_LOG`` on, one log line.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config import clientip
from config.observability import metrics
from config.observability.context import RequestInfo, current

access = logging.getLogger("trainers.access")

HEADER = b"x-request-id"
SANE_ID = re.compile(rb"[A-Za-z0-9._:/+=@-]{1,128}")
UNMATCHED = "<unmatched>"
STREAMS = frozenset({"/query/changes"})


_PREFIX = os.urandom(8).hex()
_sequence = itertools.count(1)


def new_request_id() -> str:
    """32 hex digits: random per process, then a counter (uuid4 per request costs more)."""
    return f"{_PREFIX}{next(_sequence):016x}"


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, *, access_log: bool = False) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = None
        for name, value in scope["headers"]:
            if name == HEADER:
                if SANE_ID.fullmatch(value):
                    request_id = value.decode("ascii")
                break
        info = RequestInfo(request_id or new_request_id())
        token = current.set(info)
        started = time.perf_counter()
        status = 500
        raw_id = info.request_id.encode("ascii")

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), (HEADER, raw_id)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = info.route or route_of(scope)
            method = scope["method"]
            # A stream's duration is how long the client stayed, not a latency.
            metrics.record(method, route, status, None if route in STREAMS else elapsed)
            if self.access_log:
                access.info(
                    "%s %s %d",
                    method,
                    scope["path"],
                    status,
                    extra={
                        "method": method,
                        "path": scope["path"],
                        "route": route,
                        "client": clientip.from_scope(scope),
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )
            current.reset(token)


def route_of(scope: Scope) -> str:
    """The FastAPI route that matched (Starlette leaves it in the scope), or a fixed label."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    if scope["path"] == metrics.PATH:
        return metrics.PATH
    if scope["path"].startswith("/static/"):
        return "/static/{path}"
    return UNMATCHED


class RouteMiddleware:
    """Django: records the resolver's route template (``api/trainers/<uuid:pk>/``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, *args: Any) -> None:
        info = current.get()
        match = request.resolver_match
        if info is not None and match is not None:
            info.route = "/" + match.route
