"""The query side's database role: SELECT on schema ``read``, nothing else.

``manage.py create_read_role`` makes it; the test then connects as that role
(the embedded server and CI's both trust local connections, so no password
is needed) and shows what it may and may not do.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import psycopg
import pytest
from django.core.management import call_command
from django.db import connection
from psycopg import errors as pg
from psycopg import sql

from config.dsn import conninfo, database_url
from tests.reliability.conftest import register
from tests.server import start_server
from trainers import commands as c
from trainers.handlers import dispatch
from trainers.models import Trainer

WRITE_TABLES = ("trainers_trainer", "trainers_event", "auth_user", "authtoken_token")


@pytest.fixture
def read_role(transactional_db: None) -> Iterator[str]:
    # Roles are shared by the whole server: one name per test database, dropped afterwards.
    role = f"read_{connection.settings_dict['NAME']}"[:63]
    call_command("create_read_role", role=role)
    call_command("create_read_role", role=role)  # idempotent
    try:
        yield role
    finally:
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)).as_string())
            cursor.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)).as_string())


def connect_as(role: str) -> psycopg.Connection[Any]:
    return psycopg.connect(
        conninfo({**connection.settings_dict, "USER": role, "PASSWORD": ""}), autocommit=True
    )


def read_relations() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
            "WHERE schemaname = 'read' "
            "UNION SELECT format('%I.%I', schemaname, viewname) FROM pg_views "
            "WHERE schemaname = 'read' ORDER BY 1"
        )
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def public_trainer(read_role: str) -> Trainer:
    dispatch(c.BranchCreate(slug="downtown", name="Downtown", city="Lisbon"))
    trainer = register()
    dispatch(c.TrainerPublish(trainer.pk))
    return trainer


def test_the_role_reads_every_relation_of_schema_read(
    read_role: str, public_trainer: Trainer
) -> None:
    relations = read_relations()
    assert "read.trainer" in relations
    with connect_as(read_role) as conn:
        for relation in relations:
            conn.execute(f"SELECT * FROM {relation} LIMIT 1")  # noqa: S608
        rows = conn.execute("SELECT id FROM read.trainer").fetchall()
    assert [str(r[0]) for r in rows] == [str(public_trainer.pk)]


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO read.branch (id, slug, name) VALUES (999, 'x', 'x')",
        "UPDATE read.trainer SET slug = 'hijacked'",
        "DELETE FROM read.trainer",
        "TRUNCATE read.trainer",
        "SELECT read.rebuild()",
        "CREATE TABLE read.evil (id int)",
        "CREATE TABLE public.evil (id int)",
    ],
)
def test_the_role_cannot_write(read_role: str, public_trainer: Trainer, statement: str) -> None:
    with connect_as(read_role) as conn:
        # Read-only by default (defence in depth) ...
        with pytest.raises((pg.ReadOnlySqlTransaction, pg.InsufficientPrivilege)):
            conn.execute(statement)
        # ... and without privileges even when a session turns that off.
        conn.execute("SET default_transaction_read_only = off")
        with pytest.raises(pg.InsufficientPrivilege):
            conn.execute(statement)
    assert Trainer.objects.get().slug == public_trainer.slug


@pytest.mark.parametrize("table", WRITE_TABLES)
def test_the_role_cannot_read_the_write_tables(read_role: str, table: str) -> None:
    with connect_as(read_role) as conn, pytest.raises(pg.InsufficientPrivilege):
        conn.execute(f"SELECT * FROM {table} LIMIT 1")  # noqa: S608


def test_the_role_has_a_statement_timeout(read_role: str) -> None:
    with connect_as(read_role) as conn:
        assert conn.execute("SHOW statement_timeout").fetchone() == ("5s",)
        with pytest.raises(pg.QueryCanceled):
            conn.execute("SET statement_timeout = '100ms'; SELECT pg_sleep(2)")


def test_relations_created_later_are_readable_too(read_role: str) -> None:
    """Default privileges: a table a later migration adds to schema read needs no new grant."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE read.later_added (id int)")
    try:
        with connect_as(read_role) as conn:
            assert conn.execute("SELECT count(*) FROM read.later_added").fetchone() == (0,)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE read.later_added")


@pytest.mark.e2e
def test_the_query_api_runs_as_the_role(read_role: str, public_trainer: Trainer) -> None:
    read_url = database_url({**connection.settings_dict, "USER": read_role, "PASSWORD": ""})
    server = start_server(connection.settings_dict, env={"READ_DATABASE_URL": read_url})
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            page = http.get("/query/trainers")
            one = http.get(f"/query/trainers/{public_trainer.pk}")
            facets = http.get("/query/branches")
    finally:
        server.stop()
    assert page.status_code == 200, page.text
    assert [t["id"] for t in page.json()["items"]] == [str(public_trainer.pk)]
    assert one.status_code == 200
    assert facets.status_code == 200
