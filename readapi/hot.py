"""The hottest route, ``GET /query/trainers/{id}``, answered in plain ASGI when it finds a trainer.

Routing, dependency injection and the Request object cost more than the query
itself on this route (see docs/performance.md). This answers the common case,
a well-formed id of a public trainer, with the same handler, body and headers
as the FastAPI route; anything else (a malformed or unknown id, a database
error) falls through to that route, which stays the one documented in OpenAPI
and the one that renders every error.
"""

from __future__ import annotations

from uuid import UUID

from psycopg_pool import AsyncConnectionPool
from starlette.types import ASGIApp, Receive, Scope, Send

from readapi.handlers.trainers import TrainerGetHandler
from readapi.http import CACHE_CONTROL, _matches
from readapi.queries import TrainerGet

PREFIX = "/query/trainers/"
UUID_LENGTH = 36
_CACHE_CONTROL = CACHE_CONTROL.encode()


ROUTE = "/query/trainers/{trainer_id}"


class TrainerDetailFastPath:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.route: object = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or len(path) != len(PREFIX) + UUID_LENGTH
            or not path.startswith(PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        try:
            id_ = UUID(path[len(PREFIX) :])
            pool: AsyncConnectionPool = scope["app"].state.pool
            document = await TrainerGetHandler(pool).handle(TrainerGet(id_))
        except Exception:  # the route answers it, errors included
            document = None
        if document is None:
            await self.app(scope, receive, send)
            return
        if self.route is None:
            # The documented route this answers for: the metrics label requests with it.
            routes = scope["app"].routes
            self.route = next((r for r in routes if getattr(r, "path", None) == ROUTE), None)
        scope["route"] = self.route
        etag = f'"{document.etag}"'.encode()
        if_none_match = next((v for n, v in scope["headers"] if n == b"if-none-match"), None)
        if if_none_match and _matches(if_none_match.decode("latin-1"), etag.decode()):
            headers = [(b"etag", etag), (b"cache-control", _CACHE_CONTROL)]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = [
            (b"content-length", str(len(document.body)).encode()),
            (b"content-type", b"application/json"),
            (b"etag", etag),
            (b"cache-control", _CACHE_CONTROL),
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": document.body})
