"""Response models: the JSON contract of the query API, documented in OpenAPI.

Handlers send documents PostgreSQL built; these models describe them (and
tests check the documents against them), they do not build them.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from readapi.vocab import Position, Shift

TRAINER_ID = "5f0c6a52-3f1e-4c39-9d8e-2b7a4f0e9a11"


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BranchRef(Model):
    slug: str
    name: str
    city: str


class Ref(Model):
    slug: str
    name: str


class Photo(Model):
    """An uploaded photo: the largest rendition (JPEG) and the WebP renditions by width."""

    url: str
    width: int
    height: int
    srcset: str
    alt: str


class TrainerItem(Model):
    id: UUID
    slug: str
    first_name: str
    last_name: str
    position: Position
    shift: Shift
    on_leave: bool
    # Kept for existing clients until its announced removal (docs/read-model.md).
    photo_url: str | None = Field(
        description="Deprecated: use `photo`. The uploaded photo's `url`, else the pasted "
        "URL, else null.",
        json_schema_extra={"deprecated": True},
    )
    photo: Photo | None
    tenure_years: int
    branch: BranchRef
    specialties: list[Ref]


ITEM_EXAMPLE: JsonDict = {
    "id": TRAINER_ID,
    "slug": "ana-silva",
    "first_name": "Ana",
    "last_name": "Silva",
    "position": "senior_trainer",
    "shift": "morning",
    "on_leave": False,
    "photo_url": f"/media/trainers/{TRAINER_ID}/8d41f0c2a7-1024.jpg",
    "photo": {
        "url": f"/media/trainers/{TRAINER_ID}/8d41f0c2a7-1024.jpg",
        "width": 1024,
        "height": 1280,
        "srcset": ", ".join(
            f"/media/trainers/{TRAINER_ID}/{digest}-{w}.webp {w}w"
            for digest, w in (("1c9e", 160), ("77ab", 320), ("b203", 640), ("e5f1", 1024))
        ),
        "alt": "Ana Silva",
    },
    "tenure_years": 6,
    "branch": {"slug": "downtown", "name": "Downtown", "city": "Lisbon"},
    "specialties": [{"slug": "yoga", "name": "Yoga"}],
}


class TrainerPage(Model):
    """One page of trainers; pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[TrainerItem]
    next_cursor: str | None

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"items": [ITEM_EXAMPLE], "next_cursor": "eyJvIjoi..."}]}
    )


class Certification(Model):
    name: str
    issuer: str
    issued_on: date
    expires_on: date | None


class TrainerClass(Model):
    id: int
    title: str
    weekday: int
    start_time: str
    duration_minutes: int
    branch: Ref


class TrainerProfile(TrainerItem):
    bio: str
    weekdays: list[int]
    certifications: list[Certification]
    classes: list[TrainerClass]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                ITEM_EXAMPLE
                | {
                    "bio": "Vinyasa and mobility for every level.",
                    "weekdays": [1, 3],
                    "certifications": [
                        {
                            "name": "RYT 200",
                            "issuer": "Yoga Alliance",
                            "issued_on": "2019-05-01",
                            "expires_on": None,
                        }
                    ],
                    "classes": [
                        {
                            "id": 12,
                            "title": "Morning flow",
                            "weekday": 1,
                            "start_time": "07:00",
                            "duration_minutes": 60,
                            "branch": {"slug": "downtown", "name": "Downtown"},
                        }
                    ],
                }
            ]
        }
    )


class BranchFacet(Model):
    slug: str
    name: str
    city: str
    timezone: str
    trainer_count: int


class BranchList(Model):
    items: list[BranchFacet]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "slug": "downtown",
                            "name": "Downtown",
                            "city": "Lisbon",
                            "timezone": "Europe/Lisbon",
                            "trainer_count": 14,
                        }
                    ]
                }
            ]
        }
    )


class SpecialtyFacet(Model):
    slug: str
    name: str
    trainer_count: int


class SpecialtyList(Model):
    items: list[SpecialtyFacet]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"items": [{"slug": "yoga", "name": "Yoga", "trainer_count": 9}]}]
        }
    )


class TrainerRef(Model):
    id: UUID
    slug: str
    first_name: str
    last_name: str
    on_leave: bool


class TimetableSlot(Model):
    id: int
    title: str
    weekday: int
    start_time: str
    duration_minutes: int
    capacity: int
    branch: Ref
    trainer: TrainerRef


class Timetable(Model):
    """One page of classes; pass ``next_cursor`` back as ``cursor`` for the next one."""

    items: list[TimetableSlot]
    next_cursor: str | None

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "items": [
                        {
                            "id": 12,
                            "title": "Morning flow",
                            "weekday": 1,
                            "start_time": "07:00",
                            "duration_minutes": 60,
                            "capacity": 20,
                            "branch": {"slug": "downtown", "name": "Downtown"},
                            "trainer": {
                                "id": TRAINER_ID,
                                "slug": "ana-silva",
                                "first_name": "Ana",
                                "last_name": "Silva",
                                "on_leave": False,
                            },
                        }
                    ],
                    "next_cursor": "eyJ3IjoxLCJz...",
                }
            ]
        }
    )


class Problem(Model):
    """RFC 9457 problem details, the error shape of every API."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[dict[str, str]] | None = None
