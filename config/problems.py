"""The one error shape of every API: RFC 9457 problem details.

Pure Python, imported by both the Django side and the FastAPI side, so that a
client sees the same body whichever half of the application answered.

    {"type": "about:blank", "title": "Not Found", "status": 404,
     "detail": "...", "errors": [{"field": "email", "message": "..."}]}
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

CONTENT_TYPE = "application/problem+json"


def problem(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    errors: list[dict[str, str]] | None = None,
    type_: str = "about:blank",
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    return body
