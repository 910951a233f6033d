"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse

from config import clientip


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving; touches nothing else."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """The database answers and every migration is applied; 503 otherwise.

    Why it is not ready (the database's error text, the pending migrations' names) is
    shown only to staff and to a client on the loopback interface (an orchestrator's
    probe on the host): it tells an attacker about the deployment.
    """
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        connection.close()
        detail = str(exc).strip().splitlines()[0:1]
        return _not_ready(request, "database unreachable", detail)
    if pending:
        names = [f"{m.app_label}.{m.name}" for m, _ in pending]
        return _not_ready(request, "migrations pending", names)
    return JsonResponse({"status": "ready"})


def may_see_detail(request: HttpRequest) -> bool:
    if clientip.from_meta(request.META) in clientip.LOOPBACK:
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_active and user.is_staff)


def _not_ready(request: HttpRequest, reason: str, detail: list[str]) -> JsonResponse:
    body: dict[str, object] = {"status": "unavailable"}
    if may_see_detail(request):
        body |= {"reason": reason, "detail": detail}
    response = JsonResponse(body, status=503)
    response["Retry-After"] = "5"
    return response
