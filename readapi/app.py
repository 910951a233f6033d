"""The FastAPI app of the read side, served under ``/query/``."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from readapi import errors
from readapi.db import make_pool
from readapi.routes import facets, trainers


def create_app(dsn: str | Callable[[], str]) -> FastAPI:
    """Build the query app; ``dsn`` is resolved when the lifespan starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = make_pool(dsn)
        # wait=False: the app starts even while the database is down, and recovers with it.
        await pool.open(wait=False)
        app.state.pool = pool
        try:
            yield
        finally:
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
    errors.install(app)
    app.include_router(trainers.router)
    app.include_router(facets.router)
    return app
