"""The FastAPI app of the read side: the query API under ``/query/`` and the public pages
(``/``, ``/trainers/{slug}``, ``/timetable``: ``readapi/pages/``)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig
from starlette.types import ASGIApp, Receive, Scope, Send

from config import clientip
from readapi import errors
from readapi.cache import ResponseCache, deaf
from readapi.db import make_pool
from readapi.edge import CachePolicy, QueryFront, cors_origins_from_env
from readapi.feed import ChangeNotifier, FeedSettings
from readapi.handlers.facets import BranchListHandler, SpecialtyListHandler, TimetableHandler
from readapi.handlers.slugs import SlugIds, TrainerSlugs
from readapi.handlers.trainers import TrainerGetHandler, TrainerSearchHandler
from readapi.pages import routes as pages
from readapi.pages.handlers import (
    DirectoryPageHandler,
    Facets,
    ProfilePageHandler,
    TimetablePageHandler,
)
from readapi.purge import Purger, urls_from_env
from readapi.ratelimit import RateLimit, RateLimitMiddleware
from readapi.reader import Reader
from readapi.routes import changes, docs, facets, trainers
from readapi.routes.lean import LeanDispatch
from readapi.security import hsts_seconds_from_env, security_headers

# FastAPI's native OpenTelemetry asks the global providers on every request (an
# environment look-up each time: a quarter of a cached answer's Python). It is on only
# when the operator asks for OpenTelemetry (docs/operations.md).
OTEL_SWITCHES = ("FASTAPI_OTEL_AUTO_CONFIGURE", "QUERY_OTEL")


NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def otel_from_env() -> bool:
    return any(os.environ.get(name, "").strip().lower() in {"1", "true"} for name in OTEL_SWITCHES)


class QueryApp(FastAPI):
    """The FastAPI app behind a short chain of its own that runs before FastAPI's.

    ``front``: security headers, then the rate limit, then (unless OpenTelemetry is on)
    ``LeanDispatch``, which answers a GET for a cached route itself; everything else
    goes on to FastAPI's stack (routing, error pages, docs). Starlette's per-request
    machinery (error, telemetry and body-limit middlewares, the router) cost more than
    a cached answer (docs/performance.md).
    """

    front: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.front(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)

    async def fastapi(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)


def create_app(
    dsn: str | Callable[[], str],
    *,
    rate_limit: RateLimit | str | None = "env",
    hsts_seconds: int | None = None,
    listen_dsn: str | Callable[[], str] | None = None,
    replica: bool = False,
    num_proxies: int | None = None,
) -> QueryApp:
    """Build the query app; ``dsn`` is resolved when the lifespan starts.

    ``rate_limit``: a per-client limit, None for none, ``"env"`` to read
    ``QUERY_RATE_LIMIT`` (readapi/ratelimit.py). ``hsts_seconds``: None reads
    ``APP_ENV``/``SECURE_HSTS_SECONDS`` (readapi/security.py). ``listen_dsn``: where the
    change feed LISTENs (the primary: a replica cannot), ``dsn`` when None. ``replica``:
    the query side reads a standby: honour consistency tokens by waiting for replay, and
    cache only what was read after the announced changes (readapi/reader.py).
    ``num_proxies``: trusted proxies in front, for the client's address (None: ``NUM_PROXIES``,
    config/clientip.py).
    """
    cache = ResponseCache()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = make_pool(dsn)
        # psycopg_pool retries a lost server with doubling delays for 5 minutes by default,
        # which can leave the pool idle for tens of seconds after the server is back.
        # Give up sooner: the next request that waits for a connection starts a new attempt.
        pool.reconnect_timeout = float(os.environ.get("READ_POOL_RECONNECT_TIMEOUT", "5"))
        # wait=False: the app starts even while the database is down, and recovers with it.
        await pool.open(wait=False)
        app.state.pool = pool
        reader = Reader(pool, replica=replica, primary_dsn=listen_dsn or dsn)
        reader.fence = lambda: cache.fence
        state = app.state
        state.get = TrainerGetHandler(reader)
        state.search = TrainerSearchHandler(reader, slugs=SlugIds(cache))
        state.reader = reader
        state.trainer_slugs = TrainerSlugs(cache)
        state.branches = BranchListHandler(reader)
        state.specialties = SpecialtyListHandler(reader)
        state.timetable = TimetableHandler(reader)
        facets = Facets(cache, state.branches, state.specialties)
        state.directory_page = DirectoryPageHandler(state.search, facets)
        state.profile_page = ProfilePageHandler(state.get)
        state.timetable_page = TimetablePageHandler(state.timetable, facets)
        notifier = ChangeNotifier(listen_dsn or dsn, fence=replica)
        # The response cache lives only while this listener hears other processes' commits.
        notifier.subscribe(cache.announce)
        cache.listening = notifier.listening.is_set
        purger = None
        if purge_urls := urls_from_env():  # shared caches in front: purge them by key
            purger = Purger(purge_urls, listen_dsn or dsn, replica_dsn=dsn if replica else None)
            notifier.subscribe(purger.announce)
            purger.start()
        app.state.purger = purger
        notifier.start()
        app.state.notifier = notifier
        try:
            yield
        finally:
            cache.listening = deaf
            if purger is not None:
                await purger.stop()
            await notifier.stop()
            await reader.lender.close()
            await pool.close()

    otel = otel_from_env()
    app = QueryApp(
        title="Trainer Profiles query API",
        summary="Public, read-only trainer profiles served from the read model.",
        version="1.0.0",
        docs_url=None,  # readapi/routes/docs.py: served from the app's own files
        redoc_url=None,
        openapi_url="/query/openapi.json",
        lifespan=lifespan,
        telemetry=None if otel else NO_TELEMETRY,
    )
    app.state.cache = cache
    errors.install(app)
    app.include_router(trainers.router)
    app.include_router(facets.router)
    app.include_router(changes.router)
    app.include_router(docs.router)
    app.include_router(pages.router)
    app.state.feed_settings = FeedSettings()
    front: ASGIApp = app.fastapi
    if not otel:  # with OpenTelemetry, every request goes through FastAPI's (traced) stack
        front = LeanDispatch(front, app)
    limit = RateLimit.from_env() if rate_limit == "env" else rate_limit
    if isinstance(limit, RateLimit):
        proxies = clientip.NUM_PROXIES if num_proxies is None else num_proxies
        front = RateLimitMiddleware(front, limit=limit, proxies=proxies)
    # Outermost: 429s and error pages get the CORS and security headers too.
    hsts = hsts_seconds_from_env() if hsts_seconds is None else hsts_seconds
    app.front = QueryFront(front, cors_origins_from_env(), security_headers(hsts))
    app.state.cache_control = CachePolicy.from_env().header()
    app.state.rate_limit = limit if isinstance(limit, RateLimit) else None
    return app
