"""Map every failure of the query side to problem details; nothing leaks as a 500 page."""

from __future__ import annotations

import logging

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from config import lsn
from config.problems import CONTENT_TYPE, problem
from readapi.json import dumps
from readapi.queries import InvalidQuery
from readapi.reader import ReplicaLagging, TokenAhead, TooManyWaiters

logger = logging.getLogger(__name__)


def problem_response(status: int, detail: str | None = None, **kwargs: object) -> Response:
    headers = kwargs.pop("headers", None)
    body = problem(status, detail, **kwargs)  # type: ignore[arg-type]
    return Response(dumps(body), status_code=status, media_type=CONTENT_TYPE, headers=headers)  # type: ignore[arg-type]


def _field(loc: tuple[object, ...] | list[object]) -> str:
    parts = [str(p) for p in loc if p not in ("query", "path", "body", "header")]
    return ".".join(parts) or "request"


async def _validation(request: Request, exc: RequestValidationError) -> Response:
    errors = [
        {"field": _field(e.get("loc", ())), "message": str(e.get("msg", ""))} for e in exc.errors()
    ]
    return problem_response(422, "The request parameters are invalid.", errors=errors)


async def _http(request: Request, exc: StarletteHTTPException) -> Response:
    headers = dict(exc.headers) if exc.headers else None
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(exc.status_code, detail, headers=headers)


async def _invalid_query(request: Request, exc: InvalidQuery) -> Response:
    return problem_response(
        422,
        "The request parameters are invalid.",
        errors=[{"field": exc.field, "message": exc.message}],
    )


async def _read_model_missing(request: Request, exc: Exception) -> Response:
    logger.error("query side: the read model is missing (migrations not applied?): %s", exc)
    return problem_response(
        503, "The read model is not available yet; retry shortly.", headers={"Retry-After": "30"}
    )


async def _database_down(request: Request, exc: Exception) -> Response:
    logger.warning("query side: database unavailable: %s", exc)
    return problem_response(
        503, "The database is unavailable; retry shortly.", headers={"Retry-After": "5"}
    )


async def _replica_lagging(request: Request, exc: Exception) -> Response:
    return problem_response(
        503,
        "The replica has not caught up with your last change yet; retry shortly.",
        code="replica_lagging",
        headers={"Retry-After": "1"},
    )


async def _too_many_waiters(request: Request, exc: Exception) -> Response:
    return problem_response(
        503,
        "Too many requests are waiting for the replica to catch up; retry shortly.",
        code="too_many_waiters",
        headers={"Retry-After": "1"},
    )


async def _token_ahead(request: Request, exc: Exception) -> Response:
    return problem_response(
        422,
        "The request parameters are invalid.",
        errors=[
            {
                "field": lsn.QUERY_PARAM,
                "message": "This consistency token is ahead of the database: "
                "send the X-Consistency-Token a command gave you.",
            }
        ],
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    logger.exception("query side: unhandled error on %s", request.url.path)
    return problem_response(500, "An unexpected error occurred.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(InvalidQuery, _invalid_query)  # type: ignore[arg-type]
    app.add_exception_handler(psycopg.errors.UndefinedTable, _read_model_missing)
    app.add_exception_handler(psycopg.errors.UndefinedFunction, _read_model_missing)
    app.add_exception_handler(ReplicaLagging, _replica_lagging)
    app.add_exception_handler(TooManyWaiters, _too_many_waiters)
    app.add_exception_handler(TokenAhead, _token_ahead)
    app.add_exception_handler(PoolTimeout, _database_down)
    app.add_exception_handler(psycopg.OperationalError, _database_down)
    app.add_exception_handler(Exception, _unexpected)
