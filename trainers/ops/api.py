"""The operations API: ``/ops/`` (docs at ``/ops/docs``, schema at ``/ops/openapi.json``)."""

# No `from __future__ import annotations`: ninja reads the views' annotations at runtime.
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Query, Schema
from ninja.responses import Status
from pydantic import Field

from config.problems import CONTENT_TYPE
from trainers import selectors
from trainers.commands import TrainerErase
from trainers.cqrs import Actor
from trainers.errors import NotFound
from trainers.handlers import trainer_erase
from trainers.models import ReadModelRun
from trainers.ops import errors
from trainers.ops.auth import SessionAuth, TokenAuth, docs_guard, requires
from trainers.ops.background import check_in_background, rebuild_in_background
from trainers.ops.schemas import CheckOut, ErasureOut, EventPage, Problem, RunOut, StatusOut
from trainers.rebuild import RebuildBusy, rebuild_running
from trainers.runs import read_model_status, run_check, run_start, vars_of


class ProblemAPI(NinjaAPI):
    """Documents every error as it is served: ``application/problem+json``, and every
    problem an operation can give (422 for parameters, 400 for an unreadable body, 503
    while the database is unreachable), so that the schema and the server agree."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        problem_schema = {"$ref": "#/components/schemas/Problem"}
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                responses = operation["responses"]
                if operation.get("parameters") or operation.get("requestBody"):
                    responses.setdefault(422, {"description": "Invalid parameters."})
                if method == "post":
                    responses.setdefault(400, {"description": "An unreadable request body."})
                responses.setdefault(503, {"description": "The database is unreachable."})
                for code, response in responses.items():
                    if int(code) >= 400:
                        response["content"] = {CONTENT_TYPE: {"schema": problem_schema}}
        return schema


api = ProblemAPI(
    title="Trainer Profiles operations API",
    version="1.0.0",
    description=(
        "Staff operations: read-model status, rebuild and check, a trainer's event history. "
        "Authenticate with `Authorization: Token <key>` or a staff session (with CSRF). "
        "See docs/read-model.md."
    ),
    urls_namespace="ops",
    auth=[TokenAuth(), SessionAuth()],
    docs_decorator=docs_guard,
)
errors.install(api)

DENIED = {401: Problem, 403: Problem}
RESPONSE_LIMIT = 1000  # differences returned by POST /check; the run keeps the count


class EventFilter(Schema):
    limit: int = Field(20, ge=1, le=100, description="events per page")
    before: int | None = Field(
        None, ge=1, description="only events older than this id (the previous page's next_before)"
    )


@api.get("/read-model/status", response={200: StatusOut, **DENIED}, tags=["read model"])
@requires("trainers.view_readmodelrun")
def read_model_status_get(request: HttpRequest) -> dict[str, object]:
    """Rows in the write and read models, the newest event, the last rebuild and check."""
    return read_model_status()


@api.post(
    "/read-model/rebuild", response={202: RunOut, 409: Problem, **DENIED}, tags=["read model"]
)
@requires("trainers.rebuild_read_model")
def read_model_rebuild_start(request: HttpRequest, response: HttpResponse) -> Status[ReadModelRun]:
    """Start a zero-downtime rebuild in the background; follow it at the Location given."""
    if rebuild_running():
        raise RebuildBusy("Another rebuild of the read model is running.")
    run = run_start(ReadModelRun.Kind.REBUILD, user=request.auth)  # type: ignore[attr-defined]
    rebuild_in_background(run)
    return _accepted(response, run)


@api.get(
    "/read-model/runs/{run_id}", response={200: RunOut, 404: Problem, **DENIED}, tags=["read model"]
)
@requires("trainers.view_readmodelrun")
def read_model_run_get(request: HttpRequest, run_id: int) -> ReadModelRun:
    """One rebuild or check: its state, timings, result and who ran it."""
    run = ReadModelRun.objects.filter(pk=run_id).first()
    if run is None:
        raise Http404(f"No read-model run {run_id}.")
    return run


def _accepted(response: HttpResponse, run: ReadModelRun) -> Status[ReadModelRun]:
    """202 for a run started in the background, with where to follow it."""
    response["Location"] = f"/ops/read-model/runs/{run.pk}"
    return Status(202, run)


class CheckOptions(Schema):
    background: bool = Field(
        False, description="answer 202 at once and run the check like a rebuild (large models)"
    )


@api.post(
    "/read-model/check",
    response={200: CheckOut, 202: RunOut, **DENIED},
    tags=["read model"],
)
@requires("trainers.check_read_model")
def read_model_check_post(
    request: HttpRequest, response: HttpResponse, options: Query[CheckOptions]
) -> object:
    """Compare the read model with a fresh derivation; every difference (first 1000)."""
    run = run_start(ReadModelRun.Kind.CHECK, user=request.auth)  # type: ignore[attr-defined]
    if options.background:
        check_in_background(run)
        return _accepted(response, run)
    run, differences = run_check(run)
    return {
        "run": run,
        "total": len(differences),
        "differences": [vars_of(d) for d in differences[:RESPONSE_LIMIT]],
        "truncated": len(differences) > RESPONSE_LIMIT,
    }


@api.get(
    "/trainers/{trainer_id}/events",
    response={200: EventPage, 404: Problem, **DENIED},
    tags=["history"],
)
@requires("trainers.view_event")
def trainer_events(
    request: HttpRequest, trainer_id: UUID, filters: Query[EventFilter]
) -> dict[str, object]:
    """A trainer's events, newest first, paged by event id (pass next_before as before)."""
    page = selectors.trainer_events(trainer_id, limit=filters.limit + 1, before=filters.before)
    if not page and filters.before is None and not selectors.trainer_exists(trainer_id):
        raise Http404(f"No trainer {trainer_id}.")
    more = len(page) > filters.limit
    page = page[: filters.limit]
    return {"items": page, "next_before": page[-1].pk if more else None}


@api.post(
    "/trainers/{trainer_id}/erase",
    response={200: ErasureOut, 404: Problem, **DENIED},
    tags=["history"],
)
@requires("trainers.delete_trainer")
def trainer_erase_post(request: HttpRequest, trainer_id: UUID) -> dict[str, object]:
    """Delete a trainer and erase their personal data from the event log, the idempotency
    records and the admin's history; the events keep who did what, when. Cannot be undone."""
    try:
        counts = trainer_erase(
            TrainerErase(trainer_id=trainer_id),
            actor=Actor.of(request.auth),  # type: ignore[attr-defined]
        )
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return {"trainer_id": trainer_id, **counts}
