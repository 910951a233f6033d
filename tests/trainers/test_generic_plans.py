"""The functions a write runs plan their statements once per session, not at every call.

Left to choose, PostgreSQL re-planned the projection's statements at every call (their
arrays of keys make a custom plan look cheaper), and planning was most of the time a
write spent projecting (trainers/sql/current/projection.sql, "Generic plans"). Nothing
functional shows it, so the setting itself is checked: on every trigger function of the
write tables and on the functions the handlers and the rebuild call directly. (With more
than 16 keys, project_trainers() and publish_changes() let PostgreSQL choose again.)
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.backends.utils import CursorWrapper

pytestmark = pytest.mark.django_db

GENERIC = "plan_cache_mode=force_generic_plan"
# Called directly too (imports, the rebuild), not only from a trigger; what they call
# (read.announce_trainers, read.note_projected, ...) runs under their setting.
CALLED = (
    "read.project_trainers(uuid[])",
    "read.project_branches(bigint[])",
    "read.project_specialties(bigint[])",
    "read.publish_changes(uuid[],integer)",
)


def _settings(cursor: CursorWrapper, function: str) -> list[str]:
    cursor.execute(
        "SELECT coalesce(proconfig, '{}') FROM pg_proc WHERE oid = %s::regprocedure", [function]
    )
    return list(cursor.fetchone()[0])


def test_every_write_trigger_and_projection_plans_generically() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT t.tgfoid::regprocedure::text FROM pg_trigger t"
            "  JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE NOT t.tgisinternal AND n.nspname = 'public'"
        )
        triggers = [row[0] for row in cursor.fetchall()]
        assert "read.on_trainer_write()" in triggers, triggers
        missing = [
            function
            for function in (*triggers, *CALLED)
            if GENERIC not in _settings(cursor, function)
        ]
    assert not missing, f"without {GENERIC}: {missing}"
