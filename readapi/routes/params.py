"""Query parameters and responses shared by the routes, validated before any SQL runs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import StringConstraints

from readapi.schemas import Problem
from readapi.vocab import SLUG_PATTERN

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
BranchParam = Annotated[Slug | None, Query(description="A branch slug.")]
WeekdayParam = Annotated[int | None, Query(ge=1, le=7, description="1 = Monday ... 7 = Sunday.")]

RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the `If-None-Match` ETag is still current."},
    422: {"model": Problem, "description": "Invalid parameters (problem details)."},
    503: {"model": Problem, "description": "The database is unavailable (problem details)."},
}
