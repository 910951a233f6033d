"""Query parameters and responses shared by the routes, validated before any SQL runs."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from config import lsn
from config.problems import CONTENT_TYPE
from readapi.schemas import Problem
from readapi.vocab import SLUG_PATTERN

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
BranchSlug = Annotated[Slug | None, Field(description="A branch slug.")]
WeekdayNumber = Annotated[int | None, Field(ge=1, le=7, description="1 = Monday ... 7 = Sunday.")]
Cursor = Annotated[
    str | None,
    Field(
        max_length=400,
        pattern=r"^[A-Za-z0-9_-]*$",
        description="The previous page's `next_cursor`; empty or absent: the first page.",
    ),
]


class Params(BaseModel):
    """The query parameters of a cached route. Unknown ones are ignored (a browser's
    cache buster, say) and never reach the cache key: the response cache is keyed by
    what the query means, not by what a client appended."""

    model_config = ConfigDict(extra="ignore")

    consistency_token: str | None = Field(
        None,
        max_length=40,
        description=f"The `{lsn.HEADER}` of your last command, for clients that cannot "
        "send the header: the answer includes that change.",
    )


def problem(description: str) -> dict[str, Any]:
    """An error response as served: ``application/problem+json``, not FastAPI's default."""
    schema = Problem.model_json_schema(mode="serialization")
    return {"description": description, "content": {CONTENT_TYPE: {"schema": schema}}}


RESPONSES: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified: the `If-None-Match` ETag is still current."},
    422: problem("Invalid parameters (problem details)."),
    429: problem("Too many requests from your address: the rate limit (problem details)."),
    503: problem(
        "The database is unavailable, or too many wait for the replica (problem details)."
    ),
}
