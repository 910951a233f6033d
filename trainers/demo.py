"""Demo data for a fictional gym chain, as commands (``manage.py seed_demo`` sends them).

Deterministic for a given seed and starting database: one ``random.Random``
drives every choice, and emails already taken are skipped in order.
"""

from __future__ import annotations

import contextlib
import random
import threading
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from queue import Empty, Queue
from typing import Any, TypeVar

from django.utils.text import slugify

from trainers.commands import (
    BranchCreate,
    CertificationAdd,
    GymClassSchedule,
    SpecialtyCreate,
    TrainerImport,
    TrainerRegister,
)
from trainers.demo_data import (
    BIO_CAREERS,
    BIO_CLOSERS,
    BIO_LANGUAGES,
    BIO_MIDDLES,
    BIO_OPENERS,
    BIO_SPORTS,
    BRANCHES,
    CERTIFICATIONS,
    EMAIL_DOMAIN,
    FEMALE_FIRST_NAMES,
    LAST_NAMES,
    MALE_FIRST_NAMES,
    SPECIALTIES,
)
from trainers.models import Position, Shift, Status

T = TypeVar("T")

POSITIONS = (
    [Position.HEAD_COACH] * 1 + [Position.SENIOR_TRAINER] * 5 + [Position.TRAINER] * 11
) + [Position.ASSISTANT] * 3
SHIFTS = [Shift.MORNING] * 4 + [Shift.AFTERNOON] * 3 + [Shift.EVENING] * 4 + [Shift.NIGHT]
# Published most of all; the rest make the filters and the public/private split visible.
STATUSES = [Status.PUBLISHED] * 78 + [Status.ON_LEAVE] * 7 + [Status.DRAFT] * 10
STATUSES += [Status.RETIRED] * 5
# First class start (minutes after midnight) by shift, and the latest start.
SHIFT_HOURS = {
    Shift.MORNING: (6 * 60, 11 * 60),
    Shift.AFTERNOON: (12 * 60, 16 * 60),
    Shift.EVENING: (17 * 60, 20 * 60 + 30),
    Shift.NIGHT: (20 * 60, 22 * 60),
}
DURATIONS = [30, 45, 45, 60, 60, 60, 75, 90]
CLASS_TITLES = {slug: titles for slug, _name, _description, titles in SPECIALTIES}


def branch_commands() -> list[BranchCreate]:
    return [
        BranchCreate(slug=slug, name=name, city=city, timezone=tz)
        for slug, name, city, tz, _phone in BRANCHES
    ]


def specialty_commands() -> list[SpecialtyCreate]:
    return [
        SpecialtyCreate(slug=slug, name=name, description=description)
        for slug, name, description, _titles in SPECIALTIES
    ]


@dataclass
class DemoTrainers:
    """Generates trainers with their certifications and weekly classes, in batches."""

    seed: int | None = None
    today: date = field(default_factory=date.today)
    taken_emails: set[str] = field(default_factory=set)
    # Stored photo documents to share out (trainers.photos.avatars); none: no photos.
    avatars: Sequence[Mapping[str, Any]] = ()

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)  # noqa: S311 - demo data, not secrets

    def batches(self, count: int, size: int) -> Iterator[TrainerImport]:
        done = 0
        while done < count:
            n = min(size, count - done)
            yield self.batch(n)
            done += n

    def batch(self, count: int) -> TrainerImport:
        trainers, statuses = [], []
        certifications: list[tuple[int, CertificationAdd]] = []
        classes: list[tuple[int, GymClassSchedule]] = []
        photos: list[tuple[int, Mapping[str, Any]]] = []
        for i in range(count):
            trainer, status = self.trainer()
            trainers.append(trainer)
            if self.avatars:
                # By the email, not the random stream: the rest of the data stays the same.
                photos.append(
                    (i, self.avatars[zlib.crc32(trainer.email.encode()) % len(self.avatars)])
                )
            if status != Status.PUBLISHED:
                statuses.append((i, str(status)))
            certifications += [(i, c) for c in self.certifications(trainer)]
            if status != Status.RETIRED:
                classes += [(i, c) for c in self.classes(trainer)]
        return TrainerImport(
            trainers=tuple(trainers),
            certifications=tuple(certifications),
            classes=tuple(classes),
            publish=True,
            statuses=tuple(statuses),
            photos=tuple(photos),
        )

    def trainer(self) -> tuple[TrainerRegister, Status]:
        rng = self.rng
        female = rng.random() < 0.5
        first = rng.choice(FEMALE_FIRST_NAMES if female else MALE_FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        slug, name, city, _tz, phone_prefix = rng.choice(BRANCHES)
        specialties = rng.sample(SPECIALTIES, rng.choice([1, 2, 2, 3, 3, 4]))
        hired_on = self.today - timedelta(days=rng.randint(30, 18 * 365))
        born = hired_on - timedelta(days=rng.randint(19 * 365, 45 * 365))
        shift = rng.choice(SHIFTS)
        rng.randint(0, 99)  # was a portrait's number: kept, so a seed gives the same data
        bio = self.bio(first, name, city, hired_on.year, [s[1].lower() for s in specialties])
        trainer = TrainerRegister(
            first_name=first,
            last_name=last,
            email=self.email(first, last),
            hired_on=hired_on,
            branch=slug,
            position=rng.choice(POSITIONS),
            shift=shift,
            date_of_birth=born if rng.random() < 0.9 else None,
            phone=f"{phone_prefix}{rng.randint(0, 999):03d}",
            bio=bio,
            specialties=tuple(s[0] for s in specialties),
        )
        return trainer, rng.choice(STATUSES)

    def email(self, first: str, last: str) -> str:
        base = f"{slugify(first)}.{slugify(last)}".replace("-", "")
        candidate, n = f"{base}@{EMAIL_DOMAIN}", 1
        while candidate in self.taken_emails:
            n += 1
            candidate = f"{base}{n}@{EMAIL_DOMAIN}"
        self.taken_emails.add(candidate)
        return candidate

    def bio(self, first: str, branch: str, city: str, year: int, specs: list[str]) -> str:
        rng = self.rng
        words = {
            "first": first,
            "branch": branch,
            "city": city,
            "year": year,
            "spec": " and ".join(specs[:2]),
            "sport": rng.choice(BIO_SPORTS),
            "career": rng.choice(BIO_CAREERS),
            "language": rng.choice(BIO_LANGUAGES),
        }
        parts = [rng.choice(BIO_OPENERS), rng.choice(BIO_MIDDLES)]
        if rng.random() < 0.7:
            parts.append(rng.choice(BIO_CLOSERS))
        return " ".join(p.format(**words) for p in parts)

    def certifications(self, trainer: TrainerRegister) -> Iterable[CertificationAdd]:
        rng = self.rng
        earliest = trainer.hired_on - timedelta(days=3 * 365)
        span = max((self.today - earliest).days, 1)
        for name, issuer, years in rng.sample(CERTIFICATIONS, rng.choice([0, 1, 1, 2, 2, 3])):
            issued_on = earliest + timedelta(days=rng.randrange(span))
            expires_on = issued_on + timedelta(days=365 * years) if years else None
            yield CertificationAdd(
                trainer_id=None,
                name=name,
                issuer=issuer,
                issued_on=issued_on,
                expires_on=expires_on,
            )

    def classes(self, trainer: TrainerRegister) -> Iterable[GymClassSchedule]:
        rng = self.rng
        first, last = SHIFT_HOURS[Shift(trainer.shift)]
        busy: dict[int, list[tuple[int, int]]] = {}
        for _ in range(rng.choice([0, 1, 2, 2, 3, 4])):
            weekday = rng.randint(1, 7)
            duration = rng.choice(DURATIONS)
            start = first + 15 * rng.randrange((last - first) // 15 + 1)
            end = start + duration
            slots = busy.setdefault(weekday, [])
            if any(start < e and s < end for s, e in slots):
                continue
            slots.append((start, end))
            specialty = rng.choice(trainer.specialties)
            yield GymClassSchedule(
                title=rng.choice(CLASS_TITLES[specialty]),
                branch=trainer.branch,
                trainer_id=None,
                weekday=weekday,
                start_time=time(start // 60, start % 60),
                duration_minutes=duration,
                capacity=rng.choice([8, 10, 12, 12, 15, 16, 20, 20, 24, 30]),
            )


def prefetched(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """``items``, produced ahead by a thread: generating the next batch (Python) overlaps
    with the database importing this one (psycopg releases the GIL while it waits)."""
    queue: Queue[tuple[bool, Any]] = Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                queue.put((True, item))
        except BaseException as exc:  # handed to the consumer, raised there
            queue.put((False, exc))
        else:
            queue.put((False, None))

    worker = threading.Thread(target=produce, name="demo-data", daemon=True)
    worker.start()
    try:
        while True:
            ok, value = queue.get()
            if not ok:
                if value is not None:
                    raise value
                return
            yield value
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(Empty):
                queue.get(timeout=0.05)
