"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving; touches nothing else."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """The database answers and every migration is applied; 503 otherwise."""
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        connection.close()
        return _not_ready("database unreachable", str(exc).strip().splitlines()[0:1])
    if pending:
        return _not_ready("migrations pending", [f"{m.app_label}.{m.name}" for m, _ in pending])
    return JsonResponse({"status": "ready"})


def _not_ready(reason: str, detail: list[str]) -> JsonResponse:
    response = JsonResponse(
        {"status": "unavailable", "reason": reason, "detail": detail}, status=503
    )
    response["Retry-After"] = "5"
    return response
