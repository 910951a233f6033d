"""``/query/trainers``: the public directory of trainers and their profiles."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.responses import Response

from readapi import deps, schemas
from readapi.http import conditional
from readapi.queries import TrainerGet, TrainerSearch
from readapi.routes.params import RESPONSES, BranchParam, Slug, WeekdayParam, problem
from readapi.vocab import MAX_SPECIALTIES, Q_MAX_LENGTH, Position, Shift

router = APIRouter(prefix="/query/trainers", tags=["trainers"])

NOT_FOUND = "No public trainer has this id."


@router.get("", response_model=schemas.TrainerPage, responses=RESPONSES)
async def read_trainers(
    request: Request,
    handler: deps.SearchHandler,
    branch: BranchParam = None,
    specialty: Annotated[
        list[Slug],
        Query(max_length=MAX_SPECIALTIES, description="Specialty slugs; trainers have all."),
    ] = [],  # noqa: B006  (FastAPI copies defaults per request)
    shift: Shift | None = None,
    position: Position | None = None,
    weekday: WeekdayParam = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=Q_MAX_LENGTH,
            pattern=r"^[^\x00]*$",
            description="Full-text search over names, specialties and bio; the last word "
            "matches as a prefix while typing. Results are then ranked.",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[
        str | None, Query(max_length=400, pattern=r"^[A-Za-z0-9_-]*$", description="next_cursor")
    ] = None,
) -> Response:
    """Public trainers, by name (or by relevance with `q`), one page at a time."""
    query = TrainerSearch(
        branch=branch,
        specialties=tuple(specialty),
        shift=shift.value if shift else None,
        position=position.value if position else None,
        weekday=weekday,
        q=q,
        limit=limit,
        cursor=cursor or None,
    )
    return conditional(request, await handler.handle(query))


@router.get(
    "/{trainer_id}",
    response_model=schemas.TrainerProfile,
    responses=RESPONSES | {404: problem(NOT_FOUND)},
)
async def read_trainer(request: Request, trainer_id: str, handler: deps.GetHandler) -> Response:
    """One public trainer's full profile: specialties, valid certifications, weekly classes."""
    try:
        id_ = UUID(trainer_id)
    except ValueError:
        raise HTTPException(404, NOT_FOUND) from None
    document = await handler.handle(TrainerGet(id_))
    if document is None:
        raise HTTPException(404, NOT_FOUND)
    return conditional(request, document)
