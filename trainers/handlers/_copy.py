"""COPY for bulk handlers: about ten times cheaper per row than ``bulk_create``.

Statement-level triggers (the read model) fire for COPY as they do for INSERT.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from django.utils import timezone
from psycopg import sql
from psycopg.types.json import Jsonb


def copy_models(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Insert unsaved instances (primary keys set, or left to the sequence for AutoFields)."""
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    stamped = [
        f.attname
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    for obj in objects:
        for name in stamped:
            setattr(obj, name, now)
        obj._state.adding = False
        obj._state.db = connection.alias
    # JSON values go in as jsonb; every other value psycopg adapts itself.
    json = {f.attname for f in fields if isinstance(f, models.JSONField)}
    copy_rows(
        model._meta.db_table,
        [f.column for f in fields],
        ([_value(obj, f.attname, json) for f in fields] for obj in objects),
    )


def _value(obj: models.Model, name: str, json: set[str]) -> Any:
    value = getattr(obj, name)
    return Jsonb(value) if value is not None and name in json else value


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
