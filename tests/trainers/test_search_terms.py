"""read.search_term follows every write that changes a public trainer's words (triggers),
the rebuild restores it, and the check reports it when it is wrong."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from tests.factories import make_specialty, make_trainer
from trainers.models import Specialty, Status, Trainer
from trainers.projection import deferred_projection, read_model_check
from trainers.rebuild import read_model_swap_rebuild

pytestmark = pytest.mark.django_db


def terms(trainer: Trainer) -> dict[str, float]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT term, score FROM read.search_term WHERE trainer_id = %s", [trainer.pk]
        )
        return dict(cursor.fetchall())


def execute(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


class TestUpkeep:
    def test_names_and_specialties_with_their_scores(self) -> None:
        yoga = make_specialty(name="Yoga")
        ana = make_trainer(
            first_name="Ana",
            last_name="Anna",
            bio="Yoga teacher, yoga retreats.",
            specialties=[yoga, make_specialty(name="Strength training")],
        )
        # Names 1, specialty names 0.5, bio 0.25 an occurrence; bio words alone are left out.
        assert terms(ana) == {
            "ana": 1.0,
            "anna": 1.0,
            "yoga": 1.0,
            "strength": 0.5,
            "training": 0.5,
        }

    def test_queryset_update_and_raw_sql_rename(self) -> None:
        ana = make_trainer(first_name="Ana", last_name="Silva")
        Trainer.objects.filter(pk=ana.pk).update(last_name="Costa")
        assert set(terms(ana)) == {"ana", "costa"}
        execute("UPDATE trainers_trainer SET first_name = 'Rita' WHERE id = %s", [ana.pk])
        assert set(terms(ana)) == {"rita", "costa"}

    def test_leaving_the_public_and_coming_back(self) -> None:
        ana = make_trainer(first_name="Ana", last_name="Silva")
        Trainer.objects.filter(pk=ana.pk).update(status=Status.DRAFT)
        assert terms(ana) == {}
        Trainer.objects.filter(pk=ana.pk).update(status=Status.ON_LEAVE)
        assert set(terms(ana)) == {"ana", "silva"}
        Trainer.objects.filter(pk=ana.pk).delete()
        assert terms(ana) == {}

    def test_specialty_links_rename_and_delete(self) -> None:
        yoga = make_specialty(name="Yoga")
        ana = make_trainer(first_name="Ana", last_name="Silva")
        ana.specialties.add(yoga)
        assert "yoga" in terms(ana)
        Specialty.objects.filter(pk=yoga.pk).update(name="Hatha flow")
        assert {"hatha", "flow"} <= set(terms(ana)) and "yoga" not in terms(ana)
        yoga.delete()
        assert set(terms(ana)) == {"ana", "silva"}

    def test_an_unchanged_word_keeps_its_rev(self) -> None:
        ana = make_trainer(first_name="Ana", last_name="Silva")
        revs = "SELECT term, rev FROM read.search_term WHERE trainer_id = %s ORDER BY term"
        with connection.cursor() as cursor:
            cursor.execute(revs, [ana.pk])
            before = cursor.fetchall()
            Trainer.objects.filter(pk=ana.pk).update(last_name="Costa")
            cursor.execute(revs, [ana.pk])
            after = dict(cursor.fetchall())
        assert after["ana"] == dict(before)["ana"]

    def test_a_deferred_bulk_load(self) -> None:
        with deferred_projection():
            trainers = [make_trainer(first_name=f"Name{n}") for n in range(3)]
        assert all(f"name{n}" in terms(t) for n, t in enumerate(trainers))
        assert read_model_check() == []

    @pytest.mark.django_db(transaction=True)
    def test_truncate(self) -> None:
        make_trainer(first_name="Ana")
        execute("TRUNCATE trainers_trainer CASCADE")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM read.search_term")
            assert cursor.fetchone()[0] == 0


class TestCheckAndRebuild:
    def test_the_check_reports_and_the_rebuild_repairs(self) -> None:
        ana = make_trainer(first_name="Ana", last_name="Silva")
        bruno = make_trainer(first_name="Bruno", last_name="Costa")
        execute("DELETE FROM read.search_term WHERE trainer_id = %s AND term = 'ana'", [ana.pk])
        execute("UPDATE read.search_term SET score = 9 WHERE trainer_id = %s", [bruno.pk])
        execute(
            "INSERT INTO read.search_term (id, term, trainer_id, score)"
            " VALUES (gen_random_uuid(), 'ghost', %s, 1)",
            [bruno.pk],
        )
        problems = {(d.relation, d.problem) for d in read_model_check()}
        assert problems == {
            ("read.search_term", "missing"),
            ("read.search_term", "differs in score"),
            ("read.search_term", "unexpected"),
        }
        report = read_model_swap_rebuild()
        assert report.relations["search_term"]["rows"] == 4
        assert read_model_check() == []
        assert set(terms(ana)) == {"ana", "silva"}
        assert terms(bruno) == {"bruno": 1.0, "costa": 1.0}
