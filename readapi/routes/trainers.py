"""``/query/trainers``: the public directory of trainers and their profiles."""

from __future__ import annotations

import re
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import Field
from starlette.responses import Response

from readapi import keys, schemas
from readapi.edge import key_headers
from readapi.http import RawResponse
from readapi.queries import TrainerGet, TrainerSearch
from readapi.routes.lean import LeanRoute, answer, token_of
from readapi.routes.params import (
    RESPONSES,
    BranchSlug,
    Cursor,
    Params,
    Slug,
    WeekdayNumber,
    problem,
)
from readapi.vocab import MAX_SPECIALTIES, Q_MAX_LENGTH, SLUG_PATTERN, Position, Shift

router = APIRouter(prefix="/query/trainers", tags=["trainers"], route_class=LeanRoute)

NOT_FOUND = "No public trainer has this id or slug."
SLUG = re.compile(SLUG_PATTERN)
CANONICAL = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
LIST_KEYS = frozenset({keys.LISTS, keys.FACETS})
SEARCH_KEYS = LIST_KEYS | {keys.SEARCH}


class TrainerSearchParams(Params):
    branch: BranchSlug = None
    specialty: list[Slug] = Field(
        [], max_length=MAX_SPECIALTIES, description="Specialty slugs; trainers have all."
    )
    shift: Shift | None = None
    position: Position | None = None
    weekday: WeekdayNumber = None
    q: str | None = Field(
        None,
        min_length=1,
        max_length=Q_MAX_LENGTH,
        pattern=r"^[^\x00]*$",
        description="Full-text search over names, specialties and bio; the last word "
        "matches as a prefix while typing. Results are then ranked.",
    )
    limit: int = Field(20, ge=1, le=100)
    cursor: Cursor = None


@router.get(
    "", response_model=schemas.TrainerPage, responses=RESPONSES, operation_id="listTrainers"
)
async def read_trainers(
    request: Request, params: Annotated[TrainerSearchParams, Query()]
) -> Response:
    """Public trainers, by name (or by relevance with `q`), one page at a time."""
    query = TrainerSearch(
        branch=params.branch,
        specialties=tuple(sorted(set(params.specialty))),
        shift=params.shift.value if params.shift else None,
        position=params.position.value if params.position else None,
        weekday=params.weekday,
        q=params.q,
        limit=params.limit,
        cursor=params.cursor or None,
        token=token_of(request, params.consistency_token),
    )
    state = request.app.state
    return await answer(request, state.search, query, SEARCH_KEYS if query.q else LIST_KEYS)


MOVED = {
    "description": "Moved Permanently: `trainer_id` is a slug the trainer had before; "
    "`Location` is `/query/trainers/<current slug>` with the same query string. No body. "
    "Cacheable like a profile, with the trainer's surrogate key.",
    "headers": {
        "Location": {
            "description": "The trainer's current address.",
            "schema": {"type": "string", "example": "/query/trainers/marisol-quintanilla"},
        }
    },
}


@router.get(
    "/{trainer_id}",
    operation_id="getTrainer",
    response_model=schemas.TrainerProfile,
    responses=RESPONSES | {301: MOVED, 404: problem(NOT_FOUND)},
)
async def read_trainer(
    request: Request, trainer_id: str, params: Annotated[Params, Query()]
) -> Response:
    """One public trainer's full profile: specialties, valid certifications, weekly classes.

    `trainer_id` is the trainer's id or its current slug (`marisol-quintanilla`). A slug
    the trainer had before answers 301 to the current one, while no other trainer holds
    it; a current slug always wins over another trainer's former one."""
    token = token_of(request, params.consistency_token)
    # The canonical spelling names the cache entry and the key; other spellings of the
    # same id (upper case, no hyphens) are made canonical first.
    text = trainer_id if CANONICAL.match(trainer_id) else canonical_id(trainer_id)
    if text is None:
        state = request.app.state
        found = None
        if SLUG.match(trainer_id):
            found = await state.trainer_slugs.resolve(state.reader, trainer_id, token)
        if found is None:
            raise HTTPException(404, NOT_FOUND) from None
        if found.slug != trainer_id:
            return moved(request, f"{router.prefix}/{found.slug}", keys.trainer(found.id))
        text = found.id
    query = TrainerGet(text, token=token)
    dependency = keys.trainer(text)
    return await answer(
        request, request.app.state.get, query, frozenset((dependency,)), NOT_FOUND, dependency
    )


def canonical_id(text: str) -> str | None:
    """The canonical spelling of an id written another way, or None for a non-id."""
    try:
        return str(UUID(text))
    except ValueError:
        return None


def moved(request: Request, path: str, dependency: str) -> Response:
    """301 to ``path`` (a trainer's current address), with the query string; cached and
    purged like the profile (its key)."""
    location = path.encode()
    if query_string := request.scope["query_string"]:
        location += b"?" + query_string
    headers = [
        (b"location", location),
        (b"content-length", b"0"),
        (b"cache-control", request.app.state.cache_control),
        *key_headers(frozenset((dependency,))),
    ]
    return RawResponse(301, b"", headers)
