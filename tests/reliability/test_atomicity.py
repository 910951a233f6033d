"""A failure at any step of a command leaves write model, events and read model as before.

Failures are real database objects the test creates for itself, not mocks:

- ``event``: a trigger that raises on INSERT into ``trainers_event`` (after the
  write-model rows were written and re-projected, before the event exists);
- ``commit``: a deferred constraint trigger on ``trainers_event`` that raises at
  COMMIT (after every row of the command, the event included, was written);
- ``projection``: a trigger that raises on any write to ``read.trainer`` (inside
  the projection the write-model statement fires).

Transactional database: each command's transaction really commits or rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from django.db import DatabaseError, connection

from tests.reliability.conftest import register
from trainers import commands as c
from trainers.handlers import dispatch
from trainers.models import Branch, Trainer
from trainers.projection import read_model_check

FAILURES = {
    "event": """
        CREATE TRIGGER test_fail BEFORE INSERT ON trainers_event
        FOR EACH ROW EXECUTE FUNCTION pg_temp.test_fail()""",
    "commit": """
        CREATE CONSTRAINT TRIGGER test_fail AFTER INSERT ON trainers_event
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pg_temp.test_fail()""",
    "projection": """
        CREATE TRIGGER test_fail BEFORE INSERT OR UPDATE OR DELETE ON read.trainer
        FOR EACH ROW EXECUTE FUNCTION pg_temp.test_fail()""",
}
FAILURE_TABLE = {
    "event": "trainers_event",
    "commit": "trainers_event",
    "projection": "read.trainer",
}

# Each command changes a public trainer, so its read row must move too.
COMMANDS: dict[str, Callable[[Trainer], object]] = {
    "update_profile": lambda t: c.TrainerUpdateProfile(t.pk, expected_version=2, bio="New bio"),
    "put_on_leave": lambda t: c.TrainerPutOnLeave(t.pk, expected_version=2),
    "add_certification": lambda t: c.CertificationAdd(
        t.pk, "First aid", "Red Cross", date(2020, 1, 1), expected_version=2
    ),
    "set_specialties": lambda t: c.TrainerSetSpecialties(t.pk, ("yoga",), expected_version=2),
    "delete": lambda t: c.TrainerDelete(t.pk, expected_version=2),
}


def snapshot() -> dict[str, list[Any]]:
    """Every row of every write table (``trainers_*``) and of schema ``read``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schemaname, tablename FROM pg_tables "
            "WHERE (schemaname = 'public' AND tablename LIKE 'trainers\\_%%') "
            "OR schemaname = 'read' ORDER BY 1, 2"
        )
        tables = cursor.fetchall()
        rows: dict[str, list[Any]] = {}
        for schema, table in tables:
            cursor.execute(
                f'SELECT to_jsonb(t)::text FROM "{schema}"."{table}" t ORDER BY 1'  # noqa: S608
            )
            rows[f"{schema}.{table}"] = [r[0] for r in cursor.fetchall()]
    return rows


@pytest.fixture
def failure(request: pytest.FixtureRequest) -> Iterator[str]:
    """Install the failure named by the test's parameter on this connection's database."""
    name: str = request.param
    with connection.cursor() as cursor:
        # A function in pg_temp is this session's alone; the trigger is dropped below.
        cursor.execute(
            "CREATE FUNCTION pg_temp.test_fail() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'injected failure (%)', TG_TABLE_NAME; END $$"
        )
        cursor.execute(FAILURES[name])
    try:
        yield name
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TRIGGER IF EXISTS test_fail ON {FAILURE_TABLE[name]}")
            # Sessions outlive a test: Django's connections come from a pool.
            cursor.execute("DROP FUNCTION IF EXISTS pg_temp.test_fail()")


@pytest.fixture
def public_trainer(branch: Branch) -> Trainer:
    dispatch(c.SpecialtyCreate(slug="yoga", name="Yoga"))
    trainer = register(bio="Old bio")
    dispatch(c.TrainerPublish(trainer.pk, expected_version=1))
    trainer.refresh_from_db()
    assert trainer.version == 2
    return trainer


@pytest.mark.parametrize("failure", list(FAILURES), indirect=True)
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_failing_step_changes_nothing(
    public_trainer: Trainer, failure: str, command: str
) -> None:
    before = snapshot()
    assert before["read.trainer"], "the trainer is public: it has a read row"

    with pytest.raises(DatabaseError, match="injected failure"):
        dispatch(COMMANDS[command](public_trainer))

    assert snapshot() == before
    assert read_model_check() == []


@pytest.mark.parametrize("failure", ["event"], indirect=True)
def test_the_same_command_succeeds_once_the_failure_is_gone(
    public_trainer: Trainer, failure: str
) -> None:
    """The failure was the trigger's, not a damaged state: without it the command goes through."""
    with pytest.raises(DatabaseError):
        dispatch(COMMANDS["update_profile"](public_trainer))
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_fail ON trainers_event")

    dispatch(COMMANDS["update_profile"](public_trainer))

    public_trainer.refresh_from_db()
    assert (public_trainer.version, public_trainer.bio) == (3, "New bio")
    assert read_model_check() == []
