"""Migration 0009: reversible, and it repairs databases migrated with the first 0008.

Runs ``manage.py migrate`` against a scratch database on the test database's
server. ``sql/edd5d93_0008_facets_announced.sql`` is 0008's SQL as commit edd5d93
first committed it (before 4bc2993 rewrote it): its git blob id proves it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection
from psycopg import sql

from config.dsn import conninfo
from tests.reliability.test_database_faults import manage
from tests.trainers.sqldefs import definitions, differences

FIRST_0008 = Path(__file__).parent / "sql" / "edd5d93_0008_facets_announced.sql"
FIRST_0008_BLOB = "85da8885e9ee9aa0be44ae837f5b692401481738"  # git rev-parse edd5d93:<its path>

pytestmark = [pytest.mark.slow, pytest.mark.django_db]


@pytest.fixture
def scratch() -> Iterator[dict[str, Any]]:
    """Connection settings of an empty database beside the test database."""
    settings = {**connection.settings_dict, "NAME": f"{connection.settings_dict['NAME']}_0009"}
    server = {**settings, "NAME": "postgres"}
    name = sql.Identifier(settings["NAME"])
    with psycopg.connect(conninfo(server), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(name))
    try:
        yield settings
    finally:
        with psycopg.connect(conninfo(server), autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))


def migrate(settings: dict[str, Any], *target: str) -> None:
    manage(settings, "migrate", "--noinput", *target)


def defined(settings: dict[str, Any]) -> dict[str, str]:
    with psycopg.connect(conninfo(settings)) as conn, conn.cursor() as cursor:
        return definitions(cursor)


def test_0009_reverses_and_repairs_a_database_migrated_with_the_first_0008(
    scratch: dict[str, Any],
) -> None:
    migrate(scratch, "trainers", "0009")
    at_0009 = defined(scratch)

    # Back to 0008 and forward again, on a fresh database.
    migrate(scratch, "trainers", "0008")
    assert defined(scratch) == at_0009
    migrate(scratch, "trainers", "0009")
    assert defined(scratch) == at_0009

    # A database migrated with the first 0008: 0007, then edd5d93's SQL, recorded as applied.
    migrate(scratch, "trainers", "0007")
    first_0008 = FIRST_0008.read_bytes()
    blob = hashlib.sha1(b"blob %d\0" % len(first_0008) + first_0008, usedforsecurity=False)
    assert blob.hexdigest() == FIRST_0008_BLOB
    with psycopg.connect(conninfo(scratch)) as conn:
        conn.execute(first_0008.decode())
        conn.execute(
            "INSERT INTO django_migrations (app, name, applied) "
            "VALUES ('trainers', '0008_facets_announced', now())"
        )
    damaged = defined(scratch)
    assert "function read.on_facet_write(): missing from the database" in differences(
        at_0009, damaged, "the database"
    )
    assert "trigger read_announce_facets on trainers_branch" not in damaged
    assert "read.announce_facets()" in damaged["function read.project_branches(bigint[])"]

    migrate(scratch, "trainers", "0009")
    problems = differences(at_0009, defined(scratch), "the repaired database")
    assert not problems, "\n".join(problems)

    # And every later migration on top of it: the same as the freshly migrated test database.
    migrate(scratch)
    with connection.cursor() as cursor:
        fresh = definitions(cursor)
    problems = differences(fresh, defined(scratch), "the repaired database")
    assert not problems, "\n".join(problems)
