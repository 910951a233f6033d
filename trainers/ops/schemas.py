"""Response shapes of the operations API."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Schema
from pydantic import Field

from trainers.models import Event, ReadModelRun


class RunOut(Schema):
    id: int
    kind: str
    state: str
    started_at: datetime
    finished_at: datetime | None
    actor: str
    differences: int | None
    result: dict[str, Any]
    error: str

    @staticmethod
    def resolve_actor(run: ReadModelRun) -> str:
        return run.actor_name


class EventOut(Schema):
    id: int
    aggregate_type: str
    aggregate_id: str
    command: str
    version: int
    payload: dict[str, Any]
    actor: str
    occurred_at: datetime

    @staticmethod
    def resolve_actor(event: Event) -> str:
        return event.actor_name


class EventSummary(Schema):
    """An event without its payload (which may hold private fields)."""

    id: int
    aggregate_type: str
    aggregate_id: str
    command: str
    version: int
    occurred_at: datetime


class EventPage(Schema):
    items: list[EventOut]
    next_before: int | None


class WriteModelCounts(Schema):
    trainers: int
    public_trainers: int
    public_classes: int
    branches: int
    specialties: int


class ReadModelCounts(Schema):
    trainers: int
    classes: int
    branches: int
    specialties: int


class StatusOut(Schema):
    write_model: WriteModelCounts
    read_model: ReadModelCounts
    counts_match: bool
    projection: str
    newest_event: EventSummary | None
    newest_projected_event_id: int | None
    rebuild_running: bool
    last_rebuild: RunOut | None
    last_check: RunOut | None


class DifferenceOut(Schema):
    relation: str
    key: str
    problem: str


class CheckOut(Schema):
    run: RunOut
    total: int
    differences: list[DifferenceOut]
    truncated: bool


class ErasureOut(Schema):
    trainer_id: UUID
    events_scrubbed: int = Field(
        description="events of the trainer whose personal fields were erased"
    )
    idempotency_records_deleted: int
    admin_log_entries_scrubbed: int


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str | None = None
