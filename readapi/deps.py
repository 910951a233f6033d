"""Typed dependencies: each route receives its query handler, built over the app's pool.

All of them are ``async def``: FastAPI runs a plain ``def`` dependency in a worker
thread, and that hop cost more than the query on the hot routes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from psycopg_pool import AsyncConnectionPool

from readapi.handlers.facets import BranchListHandler, SpecialtyListHandler, TimetableHandler
from readapi.handlers.slugs import SlugIds
from readapi.handlers.trainers import TrainerGetHandler, TrainerSearchHandler

TRIGRAM_INDEX = "SELECT to_regclass('read.trainer_names_trgm') IS NOT NULL"


async def get_pool(request: Request) -> AsyncConnectionPool:
    pool: AsyncConnectionPool = request.app.state.pool
    return pool


Pool = Annotated[AsyncConnectionPool, Depends(get_pool)]


async def trigram_available(request: Request, pool: Pool) -> bool:
    """Whether the migration could index names by trigram; asked once per app."""
    state = request.app.state
    if getattr(state, "trigram", None) is None:
        async with pool.connection() as conn:
            row = await (await conn.execute(TRIGRAM_INDEX)).fetchone()
        state.trigram = bool(row and row[0])
    return bool(state.trigram)


async def search_handler(
    request: Request, pool: Pool, trigram: Annotated[bool, Depends(trigram_available)]
) -> TrainerSearchHandler:
    state = request.app.state
    if getattr(state, "slug_ids", None) is None:
        state.slug_ids = SlugIds()
    return TrainerSearchHandler(pool, trigram=trigram, slugs=state.slug_ids)


async def get_handler(pool: Pool) -> TrainerGetHandler:
    return TrainerGetHandler(pool)


async def branches_handler(pool: Pool) -> BranchListHandler:
    return BranchListHandler(pool)


async def specialties_handler(pool: Pool) -> SpecialtyListHandler:
    return SpecialtyListHandler(pool)


async def timetable_handler(pool: Pool) -> TimetableHandler:
    return TimetableHandler(pool)


SearchHandler = Annotated[TrainerSearchHandler, Depends(search_handler)]
GetHandler = Annotated[TrainerGetHandler, Depends(get_handler)]
BranchesHandler = Annotated[BranchListHandler, Depends(branches_handler)]
SpecialtiesHandler = Annotated[SpecialtyListHandler, Depends(specialties_handler)]
TimetableQueryHandler = Annotated[TimetableHandler, Depends(timetable_handler)]
