"""``/query/branches``, ``/query/specialties`` and ``/query/timetable``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import Field
from starlette.responses import Response

from readapi import keys, schemas
from readapi.queries import BranchList, SpecialtyList, TimetableGet
from readapi.routes.lean import LeanRoute, answer, token_of
from readapi.routes.params import RESPONSES, BranchSlug, Cursor, Params, WeekdayNumber

router = APIRouter(prefix="/query", tags=["facets"], route_class=LeanRoute)
FACETS = frozenset({keys.FACETS})
# A class row holds its trainer and branch as the timetable shows them.
TIMETABLE = frozenset({keys.TIMETABLE, keys.FACETS})
# Classes per page: by default, and at most (a whole week of a large chain is tens of MB).
TIMETABLE_LIMIT = 200
TIMETABLE_MAX = 1000


@router.get(
    "/branches",
    response_model=schemas.BranchList,
    responses=RESPONSES,
    operation_id="listBranches",
)
async def read_branches(request: Request, params: Annotated[Params, Query()]) -> Response:
    """Every branch, with how many public trainers it has."""
    query = BranchList(token=token_of(request, params.consistency_token))
    return await answer(request, request.app.state.branches, query, FACETS)


@router.get(
    "/specialties",
    response_model=schemas.SpecialtyList,
    responses=RESPONSES,
    operation_id="listSpecialties",
)
async def read_specialties(request: Request, params: Annotated[Params, Query()]) -> Response:
    """Every specialty, with how many public trainers offer it."""
    query = SpecialtyList(token=token_of(request, params.consistency_token))
    return await answer(request, request.app.state.specialties, query, FACETS)


class TimetableParams(Params):
    branch: BranchSlug = None
    weekday: WeekdayNumber = None
    limit: int = Field(TIMETABLE_LIMIT, ge=1, le=TIMETABLE_MAX, description="Classes per page.")
    cursor: Cursor = None


@router.get(
    "/timetable",
    response_model=schemas.Timetable,
    responses=RESPONSES,
    tags=["timetable"],
    operation_id="getTimetable",
)
async def read_timetable(request: Request, params: Annotated[TimetableParams, Query()]) -> Response:
    """The weekly classes of public trainers, by day, start time and id, a page at a time.

    Keyset pages: follow `next_cursor` (null on the last page) with the same `branch` and
    `weekday`; `limit` may change between pages."""
    token = token_of(request, params.consistency_token)
    query = TimetableGet(
        branch=params.branch,
        weekday=params.weekday,
        limit=params.limit,
        cursor=params.cursor or None,
        token=token,
    )
    return await answer(request, request.app.state.timetable, query, TIMETABLE)
