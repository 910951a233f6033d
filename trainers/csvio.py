"""Trainers in and out as CSV, for the command API and the admin (one place for both).

Import goes through the bulk handler (``trainer_import``): all rows or none, with the
same rules as one-by-one registration. To report every bad row, not only the first, a
refused row is set aside and the rest tried again (each try rolled back), until the
rest import cleanly; then a dry run rolls that back too, and a real import keeps it
only when no row was refused. Rows are numbered from 1, the header not counted.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from trainers import errors
from trainers.commands import TrainerImport, TrainerRegister
from trainers.cqrs import SYSTEM, Actor
from trainers.handlers import trainer_import
from trainers.models import Trainer

COLUMNS = (
    "first_name",
    "last_name",
    "position",
    "shift",
    "hired_on",
    "date_of_birth",
    "email",
    "phone",
    "bio",
    "branch",
    "specialties",
)
REQUIRED = ("first_name", "last_name", "hired_on", "email", "branch")
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
MAX_ERRORS = 100  # a report lists this many; each costs one more rolled-back try
MISSING_COLUMNS = "The header lacks the column(s) {columns}."
UNKNOWN_COLUMNS = "Unknown column(s) {columns}; the columns are: {known}."
TOO_MANY_ROWS = f"At most {MAX_ROWS} rows per import."
NOT_CSV = "The body is not CSV text in UTF-8."
BAD_DATE = "Enter a date as YYYY-MM-DD."
REQUIRED_VALUE = "This field is required."
_ROW_FIELD = re.compile(r"^trainers\[(\d+)\]\.(.+)$")


class CsvUnreadable(errors.InvalidInput):
    """The file as a whole cannot be read (encoding, header, size): no rows to report."""

    def __init__(self, message: str, field: str = "file") -> None:
        super().__init__({field: [message]})


@dataclass
class Report:
    rows: int
    created: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "created": self.created, "errors": self.errors}


def read(data: bytes | str) -> list[dict[str, str]]:
    """The CSV's rows by column name; CsvUnreadable when the file itself is wrong."""
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise CsvUnreadable(NOT_CSV) from exc
    if "\x00" in text:
        raise CsvUnreadable(NOT_CSV)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [name.strip() for name in reader.fieldnames or ()]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CsvUnreadable(MISSING_COLUMNS.format(columns=", ".join(missing)))
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        known = ", ".join(COLUMNS)
        raise CsvUnreadable(UNKNOWN_COLUMNS.format(columns=", ".join(unknown), known=known))
    reader.fieldnames = header
    rows: list[dict[str, str]] = []
    try:
        for row in reader:
            if len(rows) >= MAX_ROWS:
                raise CsvUnreadable(TOO_MANY_ROWS)
            rows.append({k: (v or "").strip() for k, v in row.items() if k is not None})
    except csv.Error as exc:
        raise CsvUnreadable(f"{NOT_CSV} ({exc})") from exc
    return rows


def command(row: dict[str, str]) -> TrainerRegister:
    """One row as a registration; InvalidInput naming the field for what cannot be parsed."""
    problems: dict[str, list[str]] = {}
    for name in REQUIRED:
        if not row.get(name):
            problems.setdefault(name, []).append(REQUIRED_VALUE)
    dates: dict[str, date | None] = {}
    for name in ("hired_on", "date_of_birth"):
        value = row.get(name, "")
        try:
            dates[name] = date.fromisoformat(value) if value else None
        except ValueError:
            problems.setdefault(name, []).append(BAD_DATE)
    if problems:
        raise errors.InvalidInput(problems)
    hired_on = dates["hired_on"]
    assert hired_on is not None  # required, checked above
    return TrainerRegister(
        first_name=row["first_name"],
        last_name=row["last_name"],
        email=row["email"],
        hired_on=hired_on,
        branch=row["branch"],
        position=row.get("position") or "trainer",
        shift=row.get("shift") or "morning",
        date_of_birth=dates["date_of_birth"],
        phone=row.get("phone", ""),
        bio=row.get("bio", ""),
        specialties=tuple(s.strip() for s in row.get("specialties", "").split(";") if s.strip()),
    )


def import_rows(rows: list[dict[str, str]], *, dry_run: bool, actor: Actor = SYSTEM) -> Report:
    """Import every row or none (see the module docstring); the report says what happened."""
    report = Report(rows=len(rows))
    pending: list[tuple[int, TrainerRegister]] = []
    for number, row in enumerate(rows, start=1):
        try:
            pending.append((number, command(row)))
        except errors.InvalidInput as error:
            _add(report, number, error.errors)
    with transaction.atomic():
        while pending and len(report.errors) < MAX_ERRORS:
            try:
                with transaction.atomic():
                    created = trainer_import(
                        TrainerImport(trainers=tuple(c for _, c in pending)), actor=actor
                    )
                    if dry_run or report.errors:
                        transaction.set_rollback(True)
            except errors.DomainError as error:
                index, name = _row_of(error)
                if index is None:
                    raise
                number, _ = pending.pop(index)
                _add(report, number, {name: [error.message]})
            else:
                if not report.errors:
                    report.created = len(created)
                break
    report.errors.sort(key=lambda e: (e["row"], e["field"]))
    return report


def _row_of(error: errors.DomainError) -> tuple[int | None, str]:
    for name in error.errors or {error.field or "": [error.message]}:
        match = _ROW_FIELD.match(name or "")
        if match:
            return int(match.group(1)), match.group(2)
    return None, ""


def _add(report: Report, number: int, problems: dict[str, list[str]]) -> None:
    for name, messages in problems.items():
        match = _ROW_FIELD.match(name)
        column = match.group(2) if match else name
        for message in messages:
            report.errors.append({"row": number, "field": column, "message": message})


def export(trainers: QuerySet[Trainer]) -> Iterator[str]:
    """The trainers as CSV lines (header first), in the columns an import reads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS)
    yield flush()
    queryset = trainers.select_related("branch").prefetch_related("specialties").order_by("pk")
    for trainer in queryset.iterator(chunk_size=500):
        writer.writerow(list(_values(trainer)))
        yield flush()


def _values(trainer: Trainer) -> Iterable[str]:
    for name in COLUMNS:
        if name == "branch":
            yield trainer.branch.slug
        elif name == "specialties":
            yield ";".join(sorted(s.slug for s in trainer.specialties.all()))
        else:
            value = getattr(trainer, name)
            yield "" if value is None else str(value)
