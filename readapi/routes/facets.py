"""``/query/branches``, ``/query/specialties`` and ``/query/timetable``."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from readapi import deps, schemas
from readapi.http import conditional
from readapi.queries import BranchList, SpecialtyList, TimetableGet
from readapi.routes.params import RESPONSES, BranchParam, WeekdayParam

router = APIRouter(prefix="/query", tags=["facets"])


@router.get("/branches", response_model=schemas.BranchList, responses=RESPONSES)
async def read_branches(request: Request, handler: deps.BranchesHandler) -> Response:
    """Every branch, with how many public trainers it has."""
    return conditional(request, await handler.handle(BranchList()))


@router.get("/specialties", response_model=schemas.SpecialtyList, responses=RESPONSES)
async def read_specialties(request: Request, handler: deps.SpecialtiesHandler) -> Response:
    """Every specialty, with how many public trainers offer it."""
    return conditional(request, await handler.handle(SpecialtyList()))


@router.get("/timetable", response_model=schemas.Timetable, responses=RESPONSES, tags=["timetable"])
async def read_timetable(
    request: Request,
    handler: deps.TimetableQueryHandler,
    branch: BranchParam = None,
    weekday: WeekdayParam = None,
) -> Response:
    """The weekly classes of public trainers, by day and start time."""
    query = TimetableGet(branch=branch, weekday=weekday)
    return conditional(request, await handler.handle(query))
