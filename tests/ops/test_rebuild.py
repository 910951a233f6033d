"""The shadow rebuild: same relations after the swap, writes during it kept, guard rails."""

from __future__ import annotations

import threading
from typing import Any

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection

from config.dsn import write_dsn
from tests.factories import make_branch, make_class, make_specialty, make_trainer
from trainers.models import Branch, GymClass, ReadModelRun, Status, Trainer
from trainers.projection import read_model_check
from trainers.rebuild import read_model_swap_rebuild

RELATIONS = ("read.branch", "read.specialty", "read.trainer", "read.class", "read.search_term")


def fetch(statement: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return list(cursor.fetchall())


READ_TABLES = "ARRAY['read.branch', 'read.specialty', 'read.trainer', 'read.class']::regclass[]"


def catalog() -> list[tuple[Any, ...]]:
    """Indexes, constraints, columns and options of the read tables, by name (not oid)."""
    return fetch(
        f"""
        SELECT 'index', indrelid::regclass::text,
               regexp_replace(pg_get_indexdef(indexrelid), ' ON .*? USING', ' USING')
          FROM pg_index WHERE indrelid = ANY({READ_TABLES})
        UNION ALL
        SELECT 'constraint', conrelid::regclass::text, conname || ': ' || pg_get_constraintdef(oid)
          FROM pg_constraint WHERE conrelid = ANY({READ_TABLES})
        UNION ALL
        SELECT 'column', attrelid::regclass::text,
               attname || ' ' || format_type(atttypid, atttypmod)
               || ' collation ' || attcollation
               || CASE WHEN attnotnull THEN ' not null' ELSE '' END
               || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '')
          FROM pg_attribute a
          LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE attrelid = ANY({READ_TABLES}) AND attnum > 0 AND NOT attisdropped
        UNION ALL
        SELECT 'options', oid::regclass::text, coalesce(array_to_string(reloptions, ','), '')
          FROM pg_class WHERE oid = ANY({READ_TABLES})
        ORDER BY 1, 2, 3
        """  # noqa: S608
    )


def revs() -> dict[str, int]:
    return dict(fetch("SELECT id::text, rev FROM read.trainer"))


@pytest.mark.django_db
class TestSwap:
    def test_the_swapped_tables_look_exactly_like_the_old_ones(self) -> None:
        make_class(make_trainer(specialties=[make_specialty()]))
        before = catalog()
        oids = fetch("SELECT 'read.trainer'::regclass::oid")
        read_model_swap_rebuild()
        assert catalog() == before
        assert fetch("SELECT 'read.trainer'::regclass::oid") != oids  # really a new table
        leftovers = "SELECT count(*) FROM pg_class WHERE relnamespace = %s::regnamespace"
        assert fetch(leftovers, ["read_shadow"]) == fetch(leftovers, ["read_old"]) == [(0,)]
        assert read_model_check() == []

    def test_privileges_follow_the_swap(self) -> None:
        make_trainer()
        with connection.cursor() as cursor:
            cursor.execute("CREATE ROLE ops_test_reader NOLOGIN")
            cursor.execute("GRANT SELECT ON ALL TABLES IN SCHEMA read TO ops_test_reader")
        read_model_swap_rebuild()
        for relation in RELATIONS:
            assert fetch(
                "SELECT has_table_privilege('ops_test_reader', %s, 'SELECT')", [relation]
            ) == [(True,)]
            assert fetch(
                "SELECT has_table_privilege('ops_test_reader', %s, 'INSERT')", [relation]
            ) == [(False,)]

    def test_unchanged_rows_keep_their_rev_and_repaired_rows_get_a_new_one(self) -> None:
        kept, broken = make_trainer(), make_trainer()
        fetch("UPDATE read.trainer SET first_name = 'X' WHERE id = %s RETURNING id", [broken.pk])
        before = revs()
        report = read_model_swap_rebuild()
        after = revs()
        assert after[str(kept.pk)] == before[str(kept.pk)]
        assert after[str(broken.pk)] > before[str(broken.pk)]
        assert report.relations["trainer"] == {"rows": 2, "corrected": 1, "removed": 0}

    def test_refuses_when_a_trigger_sits_on_a_read_table(self) -> None:
        make_trainer()
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE FUNCTION read.ops_test_noop() RETURNS trigger LANGUAGE plpgsql"
                " AS $$ BEGIN RETURN NULL; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER ops_test AFTER UPDATE ON read.trainer"
                " FOR EACH STATEMENT EXECUTE FUNCTION read.ops_test_noop()"
            )
        oid = fetch("SELECT 'read.trainer'::regclass::oid")
        with pytest.raises(DatabaseError, match="trigger ops_test"):
            read_model_swap_rebuild(attempts=1)
        assert fetch("SELECT 'read.trainer'::regclass::oid") == oid

    def test_refuses_when_a_view_depends_on_a_read_table(self) -> None:
        make_trainer()
        with connection.cursor() as cursor:
            cursor.execute("CREATE VIEW read.ops_test_names AS SELECT names FROM read.trainer")
        with pytest.raises(DatabaseError, match="depend"):
            read_model_swap_rebuild(attempts=1)
        assert fetch("SELECT count(*) FROM read.ops_test_names") == [(1,)]


@pytest.mark.django_db(transaction=True)
def test_writes_committed_during_the_rebuild_are_in_the_swapped_model() -> None:
    """Writes after the shadow's snapshot: from another session while relations load
    (caught up before the swap), and on the rebuild's own connection after that
    (caught up inside the swap)."""
    branch = make_branch(slug="old-name")
    stays = make_trainer(branch=branch)
    unpublished = make_trainer(branch=branch)
    deleted = make_trainer(branch=branch)
    moved_class = make_class(stays)
    draft = make_trainer(status=Status.DRAFT, branch=branch)
    created: list[Trainer] = []

    def from_another_session() -> None:
        try:
            Trainer.objects.filter(pk=unpublished.pk).update(status=Status.RETIRED)
            created.append(make_trainer(branch=branch))
        finally:
            connection.close()

    def progress(phase: str) -> None:
        if phase == "load read.class":  # inside the build's snapshot
            worker = threading.Thread(target=from_another_session)
            worker.start()
            worker.join()
        if phase == "swap":  # after the build committed, before the swap
            Trainer.objects.filter(pk=draft.pk).update(status=Status.PUBLISHED)
            Trainer.objects.filter(pk=deleted.pk).delete()
            Branch.objects.filter(pk=branch.pk).update(name="New Name")
            GymClass.objects.filter(pk=moved_class.pk).update(trainer=draft, title="Moved")

    report = read_model_swap_rebuild(progress=progress)

    assert read_model_check() == []
    public = {row[0] for row in fetch("SELECT id FROM read.trainer")}
    assert public == {stays.pk, draft.pk, created[0].pk}
    assert fetch("SELECT trainer_id, doc->>'title' FROM read.class") == [(draft.pk, "Moved")]
    assert fetch("SELECT DISTINCT item->'branch'->>'name' FROM read.trainer") == [("New Name",)]
    assert fetch("SELECT trainer_count FROM read.branch WHERE id = %s", [branch.pk]) == [(3,)]
    assert report.caught_up["trainer"] >= 2  # the other session's, before the swap
    assert report.reprojected["trainer"] >= 3 and report.reprojected["branch"] >= 1


@pytest.mark.django_db(transaction=True)
def test_a_long_lived_connection_with_prepared_statements_survives_swaps() -> None:
    """Like the query side's pool: server-side prepared plans are re-planned after a swap."""
    trainer = make_trainer()
    query = "SELECT item->>'last_name' FROM read.trainer WHERE id = %s"
    with psycopg.connect(write_dsn(), autocommit=True, prepare_threshold=0) as reader:
        assert reader.execute(query, [trainer.pk]).fetchone() == (trainer.last_name,)
        for name in ("Swapped", "Again"):
            Trainer.objects.filter(pk=trainer.pk).update(last_name=name)
            read_model_swap_rebuild()
            assert reader.execute(query, [trainer.pk]).fetchone() == (name,)
            count = reader.execute("SELECT count(*) FROM read.trainer").fetchone()
            assert count == (1,)


@pytest.mark.django_db
class TestCommands:
    def test_rebuild_records_its_run_and_reports(self, capsys: pytest.CaptureFixture[str]) -> None:
        make_trainer()
        call_command("rebuild_read_model")
        out = capsys.readouterr()
        assert "Read model rebuilt" in out.out and "1 rows" not in out.err
        run = ReadModelRun.objects.get()
        assert run.kind == "rebuild" and run.state == "succeeded"
        assert run.actor_name.startswith("manage.py")
        assert run.result["relations"]["trainer"]["rows"] == 1
        assert out.err == ""  # no progress bar when stderr is not a terminal

    def test_quiet_at_verbosity_zero(self, capsys: pytest.CaptureFixture[str]) -> None:
        call_command("rebuild_read_model", verbosity=0)
        call_command("check_read_model", verbosity=0)
        assert capsys.readouterr() == ("", "")

    def test_check_reports_each_difference_and_exits_non_zero(
        self, capsys: pytest.CaptureFixture[str]
    ) -> None:
        trainer, gone = make_trainer(), make_trainer()
        fetch("UPDATE read.trainer SET slug = 'x' WHERE id = %s RETURNING 1", [trainer.pk])
        fetch("DELETE FROM read.trainer WHERE id = %s RETURNING 1", [gone.pk])
        with pytest.raises(CommandError, match="2 differences"):
            call_command("check_read_model")
        out = capsys.readouterr().out
        assert f"read.trainer {trainer.pk}: differs in slug" in out
        assert f"read.trainer {gone.pk}: missing" in out
        run = ReadModelRun.objects.get(kind="check")
        assert run.differences == 2 and run.state == "succeeded"
