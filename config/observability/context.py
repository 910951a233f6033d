"""What the current request is, for log lines and metrics, whichever half serves it."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(slots=True)
class RequestInfo:
    request_id: str
    # The route template (``/query/trainers/{trainer_id}``, ``api/trainers/<uuid:pk>/``),
    # filled in by whichever app matched the request; never the raw path.
    route: str | None = None


# Holds a mutable RequestInfo: Django runs sync code in threads with a copy of the
# context, and a change made there to the object (not the variable) is seen here.
current: ContextVar[RequestInfo | None] = ContextVar("request", default=None)


def request_id() -> str | None:
    info = current.get()
    return info.request_id if info else None
