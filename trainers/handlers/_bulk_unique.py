"""Unique slugs and emails for a bulk import: checked for every row at once, in memory
and with a few index lookups, instead of a query per row."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import connection
from psycopg import sql

from trainers import errors
from trainers.commands import TrainerRegister
from trainers.handlers.trainer import slug_base
from trainers.models import Trainer


def free_slugs(rows: tuple[TrainerRegister, ...]) -> list[str]:
    """A free slug for each row: its own, or the next free ``base``, ``base-2``, ``base-3``...
    (as ``unique_slug`` picks them), with index lookups instead of a query per row."""
    explicit = {row.slug for row in rows if row.slug is not None}
    taken = _existing("slug", explicit)
    bases = [slug_base(f"{row.first_name} {row.last_name}") for row in rows]
    # Look up windows of candidates until each base has as many free ones as rows want.
    wanted = Counter(base for base, row in zip(bases, rows, strict=True) if row.slug is None)
    start, size = dict.fromkeys(wanted, 1), {base: count + 3 for base, count in wanted.items()}
    while wanted:
        windows = {
            base: [_candidate(base, n) for n in range(start[base], start[base] + size[base])]
            for base in wanted
        }
        found = _existing("slug", [slug for window in windows.values() for slug in window])
        taken |= found
        for base, window in windows.items():
            free = sum(slug not in found and slug not in explicit for slug in window)
            if free >= wanted[base]:
                del wanted[base]
            else:
                wanted[base] -= free
                start[base] += size[base]
                size[base] *= 2

    slugs = []
    for i, (base, row) in enumerate(zip(bases, rows, strict=True)):
        if row.slug is not None:
            if row.slug in taken:
                raise _exists(i, "slug")
            slug = row.slug
        else:
            n = 1
            while (slug := _candidate(base, n)) in taken or slug in explicit:
                n += 1
        taken.add(slug)
        slugs.append(slug)
    return slugs


def _candidate(base: str, n: int) -> str:
    return base if n == 1 else f"{base}-{n}"


def check_emails(trainers: list[Trainer]) -> None:
    """Unique emails, in the import and against the trainers already there (one query)."""
    seen: dict[str, int] = {}
    for i, trainer in enumerate(trainers):
        if seen.setdefault(trainer.email, i) != i:
            raise _exists(i, "email")
    for email in sorted(_existing("email", seen), key=seen.__getitem__)[:1]:
        raise _exists(seen[email], "email")


def _existing(column: str, values: Iterable[str]) -> set[str]:
    """Which of ``values`` a trainer already has in ``column``: one array parameter, not
    thousands of ``IN`` placeholders."""
    query = sql.SQL("SELECT {column} FROM {table} WHERE {column} = ANY(%s)").format(
        column=sql.Identifier(column), table=sql.Identifier(Trainer._meta.db_table)
    )
    with connection.cursor() as cursor:
        cursor.execute(query.as_string(), [list(values)])
        return {row[0] for row in cursor.fetchall()}


def _exists(i: int, field: str) -> errors.RuleViolation:
    return errors.RuleViolation(
        errors.ALREADY_EXISTS.format(entity="trainer", field=field), field=f"trainers[{i}].{field}"
    )
