"""The public vocabulary of filters, mirrored from the write model's choices.

``readapi`` does not import Django; tests pin these to ``trainers.models``.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Position(StrEnum):
    HEAD_COACH = "head_coach"
    SENIOR_TRAINER = "senior_trainer"
    TRAINER = "trainer"
    ASSISTANT = "assistant"


class Shift(StrEnum):
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"
    NIGHT = "night"


class Weekday(IntEnum):
    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6
    SUNDAY = 7


SLUG_PATTERN = r"^[-a-zA-Z0-9_]{1,80}$"
Q_MAX_LENGTH = 100
MAX_SPECIALTIES = 10
