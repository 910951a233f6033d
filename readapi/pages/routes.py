"""The public pages: ``/``, ``/results``, ``/trainers/{slug}``, ``/timetable``, ``/assets/...``.

Lean routes (``readapi/routes/lean.py``) like the JSON ones, past the same front chain
(security headers, rate limit, CORS, ``HEAD``), answered from the same response cache
under the same dependency keys, with ETags and ``Cache-Control`` as the JSON has. A
form's blank fields mean "any"; a value no filter takes is a 422 page naming the field.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from starlette.responses import Response

from readapi import keys
from readapi.edge import key_headers
from readapi.handlers.slugs import SlugOwner
from readapi.http import HOST, RawResponse, conditional, header
from readapi.pages import assets
from readapi.pages.directory import PAGE_SIZE
from readapi.pages.handlers import DirectoryPage, ProfilePage, TimetablePage
from readapi.pages.html import HEADERS, HTML, message, text
from readapi.queries import Document, InvalidQuery, QueryHandler, TimetableGet, TrainerSearch
from readapi.routes.lean import VALIDATED, LeanRoute, bypasses_cache, cached, query_values
from readapi.routes.params import Slug
from readapi.routes.trainers import LIST_KEYS, SEARCH_KEYS, moved
from readapi.vocab import MAX_SPECIALTIES, Q_MAX_LENGTH, SLUG_PATTERN, Shift

router = APIRouter(include_in_schema=False, route_class=LeanRoute)

# What config/asgi.py sends here rather than to Django.
PATHS = frozenset({"/", "/results", "/timetable"})
PREFIXES = ("/trainers/", assets.PREFIX)
SLUG = re.compile(SLUG_PATTERN)
TIMETABLE_KEYS = frozenset({keys.TIMETABLE, keys.FACETS})


def _blank_is_none(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


class DirectoryParams(BaseModel):
    """The search form's fields; blank ones (an unchosen select) mean "any"."""

    model_config = ConfigDict(extra="ignore")

    q: str | None = Field(None, max_length=Q_MAX_LENGTH, pattern=r"^[^\x00]*$")
    branch: Slug | None = None
    specialty: list[Slug] = Field([], max_length=MAX_SPECIALTIES)
    shift: Shift | None = None
    weekday: int | None = Field(None, ge=1, le=7)
    limit: int = Field(PAGE_SIZE, ge=1, le=100)
    cursor: str | None = Field(None, max_length=400, pattern=r"^[A-Za-z0-9_-]*$")

    _blanks = field_validator("q", "branch", "shift", "weekday", "cursor", mode="before")(
        _blank_is_none
    )

    @field_validator("specialty", mode="before")
    @classmethod
    def _no_blank_specialty(cls, value: Any) -> Any:
        return [v for v in value if v.strip()] if isinstance(value, list) else value


class TimetableParams(BaseModel):
    model_config = ConfigDict(extra="ignore")

    branch: Slug | None = None

    _blanks = field_validator("branch", mode="before")(_blank_is_none)


@functools.cache
def site_url() -> str:
    """``SITE_URL``, read once per process."""
    return os.environ.get("SITE_URL", "").strip().rstrip("/")


def origin_of(request: Request) -> str:
    """The site's address for canonical links: ``SITE_URL``, else the request's own
    scheme and (host-guarded) ``Host``, read from the scope (a ``URL`` object costs more
    than the rest of a page's routing)."""
    if configured := site_url():
        return configured
    return f"{request.scope.get('scheme', 'http')}://{header(request, HOST) or 'localhost'}"


def html_response(request: Request, status: int, html: str) -> Response:
    body = html.encode()
    headers = [
        (b"content-type", HTML),
        (b"content-length", str(len(body)).encode()),
        (b"cache-control", request.app.state.cache_control),
        *HEADERS,
    ]
    return RawResponse(status, body, headers)


def not_found(request: Request) -> Response:
    return html_response(
        request,
        404,
        message(
            title="Not found",
            heading="This page is not in the directory",
            body="<p>The trainer may no longer be listed, or the address may be mistyped.</p>",
            canonical=origin_of(request) + "/",
        ),
    )


def invalid(request: Request, errors: list[tuple[str, str]]) -> Response:
    listed = "".join(f"<li><strong>{text(f)}</strong>: {text(m)}</li>" for f, m in errors)
    return html_response(
        request,
        422,
        message(
            title="Invalid search",
            heading="This search cannot be answered",
            body=f"<p>Some of its values are not ones the directory knows:</p><ul>{listed}</ul>",
            canonical=origin_of(request) + "/",
        ),
    )


def _fields(exc: ValidationError) -> list[tuple[str, str]]:
    return [(".".join(str(p) for p in e["loc"]) or "request", e["msg"]) for e in exc.errors()]


async def serve(
    request: Request,
    handler: QueryHandler[Any, Document] | QueryHandler[Any, Document | None],
    query: Any,
    dependencies: frozenset[str],
    key: str = "",
) -> Response:
    """A page from the response cache or its handler, as ``answer`` serves JSON.
    ``key``: see ``cached``."""
    try:
        found = await cached(
            request.app.state.cache,
            handler,
            query,
            dependencies,
            key,
            refresh=bypasses_cache(request),
        )
    except InvalidQuery as exc:
        return invalid(request, [(exc.field, exc.message)])
    if found is None:
        return not_found(request)
    body, etag, hit = found
    headers = key_headers(dependencies)
    return conditional(request, body, etag, headers, hit=hit, content_type=HTML, extra=HEADERS)


# Valid searches by query string, as the JSON routes remember theirs (LeanRoute.validate).
_searches: dict[bytes, TrainerSearch] = {}


def _search_of(query_string: bytes) -> TrainerSearch:
    """The directory's search for a query string; ``ValidationError`` when invalid."""
    search = _searches.get(query_string)
    if search is not None:
        return search
    params = DirectoryParams.model_validate(query_values(query_string, {"specialty"}))
    search = TrainerSearch(
        branch=params.branch,
        specialties=tuple(sorted(set(params.specialty))),
        shift=params.shift.value if params.shift else None,
        weekday=params.weekday,
        q=params.q,
        limit=params.limit,
        cursor=params.cursor,
    )
    if len(_searches) >= VALIDATED:
        _searches.clear()  # a flood of distinct strings starts it again
    _searches[query_string] = search
    return search


async def _directory(request: Request, *, whole: bool) -> Response:
    try:
        search = _search_of(request.scope["query_string"])
    except ValidationError as exc:
        return invalid(request, _fields(exc))
    query = DirectoryPage(search, origin_of(request), whole)
    dependencies = SEARCH_KEYS if search.q else LIST_KEYS
    return await serve(request, request.app.state.directory_page, query, dependencies)


@router.get("/")
async def directory_page(request: Request) -> Response:
    """The directory: the search form and the first page of trainers."""
    return await _directory(request, whole=True)


@router.get("/results")
async def directory_results(request: Request) -> Response:
    """The directory's cards and "more" link alone, for the page's script."""
    return await _directory(request, whole=False)


@router.get("/trainers/{slug:path}")
async def profile_page(request: Request, slug: str) -> Response:
    """A public trainer's profile page, by current slug; a former slug answers 301 to the
    current one, as the JSON profile does; 404 otherwise."""
    state = request.app.state
    found: SlugOwner | None = None
    if SLUG.match(slug):
        found = await state.trainer_slugs.resolve(state.reader, slug)
    if found is None:
        return not_found(request)
    dependency = keys.trainer(found.id)
    if found.slug != slug:
        return moved(request, f"/trainers/{found.slug}", dependency)
    query = ProfilePage(found.id, origin_of(request))
    return await serve(request, state.profile_page, query, frozenset((dependency,)), query.key)


@router.get("/timetable")
async def timetable_page(request: Request) -> Response:
    """The week's classes by day, for every branch or one."""
    try:
        params = TimetableParams.model_validate(query_values(request.scope["query_string"], ()))
    except ValidationError as exc:
        return invalid(request, _fields(exc))
    query = TimetablePage(TimetableGet(branch=params.branch), origin_of(request))
    return await serve(request, request.app.state.timetable_page, query, TIMETABLE_KEYS)


@router.get("/assets/{name}")
async def asset(request: Request, name: str) -> Response:
    """A stylesheet, script or icon under its content-hashed name, cached for a year."""
    status, body, headers = assets.respond(
        name, request.headers.get("accept-encoding", ""), request.headers.get("if-none-match")
    )
    if status == 404:
        return not_found(request)
    return RawResponse(status, body, headers)
