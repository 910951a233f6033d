"""The FastAPI app of the read side, served under ``/query/``."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from config import clientip
from readapi import errors
from readapi.cache import ResponseCache, deaf
from readapi.db import make_pool
from readapi.feed import ChangeNotifier, FeedSettings
from readapi.handlers.facets import BranchListHandler, SpecialtyListHandler, TimetableHandler
from readapi.handlers.slugs import SlugIds
from readapi.handlers.trainers import TrainerGetHandler, TrainerSearchHandler
from readapi.ratelimit import RateLimit, RateLimitMiddleware
from readapi.reader import Reader
from readapi.routes import changes, facets, trainers
from readapi.routes.lean import LeanDispatch
from readapi.security import SecurityHeadersMiddleware, hsts_seconds_from_env


def create_app(
    dsn: str | Callable[[], str],
    *,
    rate_limit: RateLimit | str | None = "env",
    hsts_seconds: int | None = None,
    listen_dsn: str | Callable[[], str] | None = None,
    replica: bool = False,
    num_proxies: int | None = None,
) -> FastAPI:
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
        state.branches = BranchListHandler(reader)
        state.specialties = SpecialtyListHandler(reader)
        state.timetable = TimetableHandler(reader)
        notifier = ChangeNotifier(listen_dsn or dsn, fence=replica)
        # The response cache lives only while this listener hears other processes' commits.
        notifier.subscribe(cache.announce)
        cache.listening = notifier.listening.is_set
        notifier.start()
        app.state.notifier = notifier
        try:
            yield
        finally:
            cache.listening = deaf
            await notifier.stop()
            await pool.close()

    app = FastAPI(
        title="Trainer Profiles query API",
        summary="Public, read-only trainer profiles served from the read model.",
        version="1.0.0",
        docs_url="/query/docs",
        redoc_url=None,
        openapi_url="/query/openapi.json",
        lifespan=lifespan,
    )
    app.state.cache = cache
    errors.install(app)
    app.include_router(trainers.router)
    app.include_router(facets.router)
    app.include_router(changes.router)
    app.state.feed_settings = FeedSettings()
    # Innermost: the hot routes skip the router, inside the rate limit and the headers.
    app.add_middleware(LeanDispatch)
    limit = RateLimit.from_env() if rate_limit == "env" else rate_limit
    if isinstance(limit, RateLimit):
        proxies = clientip.NUM_PROXIES if num_proxies is None else num_proxies
        app.add_middleware(RateLimitMiddleware, limit=limit, proxies=proxies)
    # Added last, so outermost: 429s and error pages get the headers too.
    hsts = hsts_seconds_from_env() if hsts_seconds is None else hsts_seconds
    app.add_middleware(SecurityHeadersMiddleware, hsts_seconds=hsts)
    return app
