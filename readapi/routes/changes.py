"""``/query/changes``: public trainer changes as server-sent events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from config import clientip
from readapi.deps import Pool
from readapi.errors import problem_response
from readapi.feed import ChangeNotifier, FeedSettings, change_stream
from readapi.routes.params import problem

router = APIRouter(prefix="/query", tags=["changes"])
MAX_ID = 10**18 - 1
AFTER_HELP = (
    "Start after this change id, for clients that cannot send `Last-Event-ID`; "
    "0: from the first change."
)

EVENT_STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/event-stream": {
                "example": 'id: 42\ndata: {"trainer_id": "…", "version": 3, "kind": "upsert"}\n\n'
            }
        },
        "description": "A never-ending stream of changes.",
    },
    422: problem("A malformed `Last-Event-ID` or `after` (problem details)."),
    429: problem("Too many streams from your address (problem details)."),
    503: problem("Too many streams, or the database is unavailable (problem details)."),
}


@router.get(
    "/changes",
    response_class=StreamingResponse,
    responses=EVENT_STREAM,
    operation_id="streamChanges",
)
async def read_changes(
    request: Request,
    pool: Pool,
    after: Annotated[
        int | None,
        Query(ge=0, le=MAX_ID, description=AFTER_HELP),
    ] = None,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
) -> Response:
    """Public trainer changes as server-sent events: `upsert` or `delete`, in commit order.

    Resume with `Last-Event-ID` (browsers send it on reconnect) or `?after=`;
    without either the stream starts at the newest change. A position beyond the newest
    change, or older than the retention window, starts with an `event: reset` (resync
    from the query API; its `id` is where the stream follows on) instead of `ready`.
    """
    notifier: ChangeNotifier = request.app.state.notifier
    settings: FeedSettings = request.app.state.feed_settings
    if last_event_id is not None:
        value = last_event_id.strip()
        if not (value.isascii() and value.isdigit() and len(value) <= 18):
            return problem_response(
                422,
                "The request parameters are invalid.",
                errors=[{"field": "Last-Event-ID", "message": "Expected a change id."}],
            )
        after = int(value)
    if notifier.streams >= settings.max_streams:
        return problem_response(
            503, "Too many change streams are open; retry shortly.", headers={"Retry-After": "5"}
        )
    client = clientip.from_scope(request.scope)
    if notifier.clients.get(client, 0) >= settings.max_per_client:
        return problem_response(
            429,
            f"Your address already holds {settings.max_per_client} change streams; "
            "close one or retry later.",
            code="too_many_streams",
            headers={"Retry-After": "5"},
        )
    notifier.admit(client)
    return Admitted(
        change_stream(pool, notifier, after, settings),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        release=lambda: notifier.release(client),
    )


class Admitted(StreamingResponse):
    """A stream counted against the caps from the moment it is accepted until the
    response ends, however it ends (even before its body started)."""

    def __init__(self, *args: Any, release: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.release()
