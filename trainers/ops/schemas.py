"""Response shapes of the operations API."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Field, Schema

from trainers.history import HIDDEN, may_see_private, summary, visible_changes, visible_payload
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
    summary: str = Field(description="what the event did, in plain words")
    subject: str = Field(description="the certification or class it is about, if any")
    changes: dict[str, dict[str, Any]] = Field(
        description='each changed field\'s {"old": ..., "new": ...}; private fields show '
        f'"{HIDDEN}" to staff who may not change trainers'
    )
    actor: str
    occurred_at: datetime

    @staticmethod
    def resolve_actor(event: Event) -> str:
        return event.actor_name

    @staticmethod
    def resolve_payload(event: Event, context: dict[str, Any]) -> dict[str, Any]:
        return visible_payload(event, private=may_see_private(context["request"].user))

    @staticmethod
    def resolve_summary(event: Event) -> str:
        return summary(event)

    @staticmethod
    def resolve_changes(event: Event, context: dict[str, Any]) -> dict[str, dict[str, Any]]:
        return visible_changes(event, private=may_see_private(context["request"].user))


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
