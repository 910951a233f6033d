"""The hot routes: FastAPI routes (documented in OpenAPI like the others) run lean.

A ``LeanRoute`` is an ``APIRoute`` whose request handler skips FastAPI's generic
dependency solving: it validates the route's parameters with the route's own pydantic
model (the same model FastAPI documents) and calls the
endpoint with them. Errors are raised as ``RequestValidationError`` and rendered by
the same handlers as every other route's. On these routes the generic path cost more
than the query (docs/performance.md).

``LeanDispatch`` then sends a GET for one of these routes straight to it, past the
router and FastAPI's per-route request cycle, with the app's own exception handlers:
the route stays the one FastAPI registered and documents, with no second answerer.

``answer`` is the one path of a cached route: the response cache keyed by the
validated query, the query handler on a miss, the conditional response.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable, Collection, Coroutine, Iterable, Iterator
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from config import lsn
from readapi.cache import ResponseCache
from readapi.edge import key_headers
from readapi.http import CACHE_CONTROL, TOKEN, conditional, header
from readapi.queries import Document, InvalidQuery, QueryHandler

Q = TypeVar("Q")
# Query strings whose validated parameters a lean route remembers.
VALIDATED = 2048


class LeanRoute(APIRoute):
    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        hints = typing.get_type_hints(endpoint, include_extras=True)
        self.model: type[BaseModel] | None = None
        self.model_arg = ""
        self.path_args: list[str] = []
        for name in inspect.signature(endpoint).parameters:
            kind = hints[name]
            if hasattr(kind, "__metadata__"):  # Annotated[Model, Query()]
                kind = typing.get_args(kind)[0]
            if kind is Request:
                continue
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                self.model, self.model_arg = kind, name
            else:
                self.path_args.append(name)
        self.validated: dict[bytes, BaseModel] = {}
        self.lists = {
            name
            for name, field in (self.model.model_fields if self.model else {}).items()
            if typing.get_origin(field.annotation) is list
        }

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        # FastAPI wraps this in its request/response cycle for the route and for every
        # router that includes it; only the dependency solving is replaced.
        return self._handle

    async def serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one matched request, rendering errors with the app's own handlers."""
        request = Request(scope, receive, send)
        try:
            response = await self._handle(request)
        except Exception as exc:
            handler = _handler_for(scope["app"].exception_handlers, exc)
            if handler is None:
                raise
            response = await handler(request, exc)
        await response(scope, receive, send)

    async def _handle(self, request: Request) -> Response:
        kwargs: dict[str, Any] = {"request": request}
        for name in self.path_args:
            kwargs[name] = request.path_params[name]
        if self.model is not None:
            kwargs[self.model_arg] = self.validate(request.scope["query_string"])
        response: Response = await self.endpoint(**kwargs)
        return response

    def validate(self, query_string: bytes) -> BaseModel:
        """The route's parameters from a query string; valid ones are remembered by their
        query string (the endpoints only read them), up to ``VALIDATED`` strings."""
        known = self.validated.get(query_string)
        if known is not None:
            return known
        assert self.model is not None
        try:
            params = self.model.model_validate(query_values(query_string, self.lists))
        except ValidationError as exc:
            errors = [{**e, "loc": ("query", *e["loc"])} for e in exc.errors(include_url=False)]
            raise RequestValidationError(errors) from None
        if len(self.validated) >= VALIDATED:
            self.validated.clear()  # a flood of distinct strings starts it again
        self.validated[query_string] = params
        return params


def query_values(query_string: bytes, lists: Collection[str]) -> dict[str, Any]:
    """A query string as a model's input: the names in ``lists`` gather every value,
    any other name keeps its last one."""
    values: dict[str, Any] = {}
    for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True):
        if name in lists:
            values.setdefault(name, []).append(value)
        else:
            values[name] = value
    return values


def _handler_for(handlers: dict[Any, Any], exc: Exception) -> Any:
    for kind in type(exc).__mro__:
        if kind in handlers:
            return handlers[kind]
    return None


def lean_routes(routes: Iterable[Any]) -> Iterator[LeanRoute]:
    """The lean routes of an app, through the routers it includes (without a prefix)."""
    for route in routes:
        if isinstance(route, LeanRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            if getattr(route.include_context, "prefix", ""):
                continue  # its paths would not be the routes' own: leave it to the router
            yield from lean_routes(included.routes)


class LeanDispatch:
    """The query app's front door: a GET for a lean route goes to it directly.

    It runs inside the security headers and the rate limit, before FastAPI's own stack
    (``readapi/app.py``): what it skips is Starlette's error, telemetry and body-limit
    middlewares, the router's walk over every route and FastAPI's request cycle (two
    exit stacks and an exception wrapper per request), which cost more than a cached
    answer. Errors are rendered by the app's own exception handlers.
    """

    def __init__(self, app: ASGIApp, query_app: Starlette) -> None:
        self.app = app
        self.query_app = query_app
        self.routes: list[LeanRoute] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "GET":
            if self.routes is None:
                self.routes = list(lean_routes(self.query_app.routes))
            path = scope["path"]
            for route in self.routes:
                match = route.path_regex.match(path)
                if match is not None:
                    scope["app"] = self.query_app
                    scope["route"] = route
                    scope["path_params"] = match.groupdict()
                    await route.serve(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def token_of(request: Request, param: str | None) -> int | None:
    """The consistency token of a request (header or parameter), as a WAL position."""
    sent = header(request, TOKEN)
    text = param if sent is None else sent
    if text is None:
        return None
    position = lsn.parse(text)
    if position is None:
        field = lsn.HEADER if sent is not None else lsn.QUERY_PARAM
        raise InvalidQuery(field, "Expected a WAL position, such as 16/B374D848.")
    return position


def bypasses_cache(request: Request) -> bool:
    return "no-cache" in (header(request, CACHE_CONTROL) or "")


@functools.lru_cache(maxsize=4096)
def query_key(query: object) -> str:
    """A query's canonical text (its repr), remembered for the frozen query: hashing a
    query costs a fraction of writing a dataclass's repr, which pages needed twice."""
    return repr(query)


async def cached(
    cache: ResponseCache,
    handler: QueryHandler[Q, Document] | QueryHandler[Q, Document | None],
    query: Q,
    keys: frozenset[str],
    key: str = "",
    *,
    refresh: bool = False,
) -> tuple[bytes, str, bool] | None:
    """``query``'s body and ETag, and whether the response cache had them; None: not found.

    On a miss (or with ``refresh``) the handler answers and the cache keeps the answer.
    ``key``: the cache key, when the caller has a cheaper canonical one than the query's
    repr (which it must determine alone, token aside).
    """
    if not key:
        token = getattr(query, "token", None)
        key = query_key(query if token is None else dataclasses.replace(query, token=None))  # type: ignore[type-var]
    enabled = cache.enabled
    if enabled and not refresh:
        entry = cache.get(key)
        if entry is not None:
            return entry.body, entry.etag, True
    cache.misses += 1
    ticket = cache.ticket()
    document = await handler.handle(query)
    if document is None:
        return None
    if enabled:
        cache.put(key, ticket, keys, document.body, document.etag, document.read_at)
    return document.body, document.etag, False


async def answer(
    request: Request,
    handler: QueryHandler[Q, Document] | QueryHandler[Q, Document | None],
    query: Q,
    keys: frozenset[str],
    missing: str = "",
    key: str = "",
) -> Response:
    """Serve ``query`` from the response cache, or from its handler and keep the answer.

    A request with ``Cache-Control: no-cache`` or a consistency token skips the cache
    and refreshes it. ``missing``: the 404 detail when the handler finds nothing.
    ``key``: see ``cached``.
    """
    refresh = getattr(query, "token", None) is not None or bypasses_cache(request)
    found = await cached(request.app.state.cache, handler, query, keys, key, refresh=refresh)
    if found is None:
        raise HTTPException(404, missing)
    body, etag, hit = found
    return conditional(request, body, etag, key_headers(keys), hit=hit)
