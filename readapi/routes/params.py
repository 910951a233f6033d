"""Query parameters and responses shared by the routes, validated before any SQL runs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query
from pydantic import StringConstraints

from config.problems import CONTENT_TYPE
from readapi.schemas import Problem
from readapi.vocab import SLUG_PATTERN

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
BranchParam = Annotated[Slug | None, Query(description="A branch slug.")]
WeekdayParam = Annotated[int | None, Query(ge=1, le=7, description="1 = Monday ... 7 = Sunday.")]


def problem(description: str) -> dict[str, Any]:
    """An error response as served: ``application/problem+json``, not FastAPI's default."""
    schema = Problem.model_json_schema(mode="serialization")
    return {"description": description, "content": {CONTENT_TYPE: {"schema": schema}}}


RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the `If-None-Match` ETag is still current."},
    422: problem("Invalid parameters (problem details)."),
    503: problem("The database is unavailable (problem details)."),
}
