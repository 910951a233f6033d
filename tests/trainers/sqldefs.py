"""The read model's definitions as a database holds them, for tests to compare.

In scope, as trainers/sql/current/ defines them: every function and view of schema
``read`` (extension members aside), every trigger on its tables or on the write
tables (``trainers_*``), and the functions those triggers run. Schema
``read_shadow`` is out: a rebuild generates its functions from the live ones.
"""

from __future__ import annotations

from typing import Any, Protocol


class Cursor(Protocol):
    def execute(self, query: Any, params: Any = ..., /) -> Any: ...

    def fetchall(self) -> list[Any]: ...


TRIGGERS = """
    SELECT t.oid, t.tgname, t.tgrelid, t.tgfoid
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
     WHERE NOT t.tgisinternal
       AND (c.relnamespace = 'read'::regnamespace
            OR (c.relnamespace = 'public'::regnamespace AND c.relname LIKE 'trainers\\_%')
            OR t.tgfoid IN (SELECT oid FROM pg_proc WHERE pronamespace = 'read'::regnamespace))
"""
FUNCTIONS = f"""
    SELECT p.oid FROM pg_proc p
     WHERE p.pronamespace = 'read'::regnamespace
       AND NOT EXISTS (SELECT FROM pg_depend d
                        WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid
                          AND d.deptype = 'e')
    UNION SELECT tgfoid FROM ({TRIGGERS}) AS t
"""  # noqa: S608
VIEWS = "SELECT oid FROM pg_class WHERE relnamespace = 'read'::regnamespace AND relkind = 'v'"

DEFINITIONS = f"""
    SELECT 'function ' || oid::regprocedure::text, pg_get_functiondef(oid) FROM ({FUNCTIONS}) f
    UNION ALL
    SELECT format('trigger %s on %s', tgname, tgrelid::regclass), pg_get_triggerdef(oid)
      FROM ({TRIGGERS}) t
    UNION ALL
    SELECT 'view ' || oid::regclass::text, pg_get_viewdef(oid) FROM ({VIEWS}) v
"""  # noqa: S608


def definitions(cursor: Cursor) -> dict[str, str]:
    """Object ("function read.f(uuid[])", "trigger t on trainers_x", "view read.v") -> text."""
    cursor.execute(DEFINITIONS)
    return dict(cursor.fetchall())


def drop_definitions(cursor: Cursor) -> None:
    """Drop every object in scope (run inside a transaction that rolls back)."""
    cursor.execute(
        f"""
        SELECT format('DROP VIEW IF EXISTS %s CASCADE', oid::regclass) FROM ({VIEWS}) v
        UNION ALL
        SELECT format('DROP TRIGGER IF EXISTS %I ON %s', tgname, tgrelid::regclass)
          FROM ({TRIGGERS}) t
        UNION ALL
        SELECT format('DROP FUNCTION IF EXISTS %s CASCADE', oid::regprocedure)
          FROM ({FUNCTIONS}) f
        """  # noqa: S608
    )
    for (statement,) in cursor.fetchall():
        cursor.execute(statement)


def differences(expected: dict[str, str], actual: dict[str, str], where: str) -> list[str]:
    """What ``actual`` (the database) lacks, adds or defines otherwise than ``expected``."""
    return [
        *(f"{key}: missing from {where}" for key in sorted(expected.keys() - actual.keys())),
        *(f"{key}: only in {where}" for key in sorted(actual.keys() - expected.keys())),
        *(
            f"{key}: defined otherwise in {where}:\n{actual[key]}\ninstead of\n{expected[key]}"
            for key in sorted(expected.keys() & actual.keys())
            if expected[key] != actual[key]
        ),
    ]
