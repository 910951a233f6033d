"""Typed dependencies of the routes that run through FastAPI's dependency injection.

The cached routes (``readapi/routes/lean.py``) take their query handlers from the
app's state, built once in the lifespan (``readapi/app.py``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from psycopg_pool import AsyncConnectionPool


async def get_pool(request: Request) -> AsyncConnectionPool:
    pool: AsyncConnectionPool = request.app.state.pool
    return pool


Pool = Annotated[AsyncConnectionPool, Depends(get_pool)]
