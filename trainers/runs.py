"""Rebuilds and checks of the read model, recorded as ReadModelRun rows; the model's status."""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone

from trainers.models import Event, ReadModelRun
from trainers.projection import Difference
from trainers.rebuild import (
    Progress,
    RebuildBusy,
    read_model_check_relations,
    read_model_swap_rebuild,
    rebuild_running,
    snapshot_transaction,
)
from trainers.rebuild.common import silent

logger = logging.getLogger(__name__)

# Differences stored on a run (the count is always exact).
STORED_DIFFERENCES = 1000
INTERRUPTED = "Interrupted: the process running it stopped before it finished."


def run_start(kind: str, *, user: Any = None, actor_name: str = "") -> ReadModelRun:
    """A new run in state ``running``, attributed to ``user`` (or to ``actor_name``)."""
    if kind == ReadModelRun.Kind.REBUILD:
        _forget_interrupted_rebuilds()
    known = user if user is not None and user.is_authenticated else None
    return ReadModelRun.objects.create(
        kind=kind,
        actor=known,
        actor_name=actor_name or (known.get_username() if known else ""),
    )


def run_rebuild(run: ReadModelRun, *, progress: Progress = silent) -> ReadModelRun:
    """Rebuild the read model (shadow build and swap), recording the outcome on ``run``."""
    try:
        report = read_model_swap_rebuild(progress=progress)
    except RebuildBusy as exc:
        return _finish(run, ReadModelRun.State.FAILED, error=str(exc))
    except Exception as exc:
        logger.exception("read model rebuild #%s failed", run.pk)
        _finish(run, ReadModelRun.State.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    return _finish(
        run,
        ReadModelRun.State.SUCCEEDED,
        differences=report.differences,
        result=report.as_json(),
    )


def run_check(
    run: ReadModelRun, *, progress: Progress = silent
) -> tuple[ReadModelRun, list[Difference]]:
    """Compare the read model with a fresh derivation, recording the outcome on ``run``."""
    started = timezone.now()
    try:
        differences = read_model_check_relations(progress=progress)
    except Exception as exc:
        logger.exception("read model check #%s failed", run.pk)
        _finish(run, ReadModelRun.State.FAILED, error=f"{type(exc).__name__}: {exc}")
        raise
    by_relation: dict[str, int] = {}
    for difference in differences:
        by_relation[difference.relation] = by_relation.get(difference.relation, 0) + 1
    result = {
        "seconds": round((timezone.now() - started).total_seconds(), 3),
        "by_relation": by_relation,
        "items": [vars_of(d) for d in differences[:STORED_DIFFERENCES]],
        "truncated": len(differences) > STORED_DIFFERENCES,
    }
    run = _finish(run, ReadModelRun.State.SUCCEEDED, differences=len(differences), result=result)
    return run, differences


def vars_of(difference: Difference) -> dict[str, str]:
    return {"relation": difference.relation, "key": difference.key, "problem": difference.problem}


def _finish(run: ReadModelRun, state: str, **fields: Any) -> ReadModelRun:
    run.state = state
    run.finished_at = timezone.now()
    for name, value in fields.items():
        setattr(run, name, value)
    run.save()
    return run


def _forget_interrupted_rebuilds() -> None:
    """Rebuilds still marked running while nobody holds the rebuild lock died mid-way."""
    if rebuild_running():
        return
    ReadModelRun.objects.filter(
        kind=ReadModelRun.Kind.REBUILD, state=ReadModelRun.State.RUNNING
    ).update(state=ReadModelRun.State.FAILED, finished_at=timezone.now(), error=INTERRUPTED)


def read_model_status() -> dict[str, Any]:
    """Row counts of both models and the newest events, from one snapshot.

    The projection commits in the writer's transaction, so any snapshot that
    sees an event also sees its projection: the newest projected event is the
    newest event of the same snapshot (see docs/read-model.md).
    """
    with snapshot_transaction(read_only=True) as cursor:
        cursor.execute(
            """
            SELECT (SELECT count(*) FROM trainers_trainer),
                   (SELECT count(*) FROM trainers_trainer WHERE read.is_public(status)),
                   (SELECT count(*) FROM trainers_gymclass g JOIN trainers_trainer t
                       ON t.id = g.trainer_id WHERE read.is_public(t.status)),
                   (SELECT count(*) FROM trainers_branch),
                   (SELECT count(*) FROM trainers_specialty),
                   (SELECT count(*) FROM read.trainer),
                   (SELECT count(*) FROM read.class),
                   (SELECT count(*) FROM read.branch),
                   (SELECT count(*) FROM read.specialty)
            """
        )
        counts = cursor.fetchone()
        newest = Event.objects.order_by("-id").first()
    write_keys = ("trainers", "public_trainers", "public_classes", "branches", "specialties")
    write_model = dict(zip(write_keys, counts[:5], strict=True))
    read_model = dict(
        zip(("trainers", "classes", "branches", "specialties"), counts[5:], strict=True)
    )
    return {
        "write_model": write_model,
        "read_model": read_model,
        "counts_match": (
            read_model["trainers"] == write_model["public_trainers"]
            and read_model["classes"] == write_model["public_classes"]
            and read_model["branches"] == write_model["branches"]
            and read_model["specialties"] == write_model["specialties"]
        ),
        "projection": "synchronous",
        "newest_event": newest,
        "newest_projected_event_id": newest.pk if newest else None,
        "rebuild_running": rebuild_running(),
        "last_rebuild": _last(ReadModelRun.Kind.REBUILD),
        "last_check": _last(ReadModelRun.Kind.CHECK),
    }


def _last(kind: str) -> ReadModelRun | None:
    return ReadModelRun.objects.filter(kind=kind).select_related("actor").first()
