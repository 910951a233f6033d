"""The read model follows every write to the write tables, whoever issues it (triggers)."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import orjson
import pytest
from django.db import connection

from tests.factories import (
    make_branch,
    make_certification,
    make_class,
    make_specialty,
    make_trainer,
)
from trainers.models import Branch, Certification, GymClass, Specialty, Status, Trainer
from trainers.projection import deferred_projection, read_model_check

pytestmark = pytest.mark.django_db


def read_trainer(trainer: Trainer) -> dict[str, Any] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT item, profile, on_leave, weekdays, specialty_ids, branch_id, rev"
            " FROM read.trainer WHERE id = %s",
            [trainer.pk],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    item, profile, on_leave, weekdays, specialty_ids, branch_id, rev = row
    return {
        **_json(item),
        **_json(profile),
        "_on_leave": on_leave,
        "_weekdays": weekdays,
        "_specialty_ids": specialty_ids,
        "_branch_id": branch_id,
        "_rev": rev,
    }


def _json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def count(table: str, where: str = "true", params: list[Any] | None = None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM read.{table} WHERE {where}", params or [])  # noqa: S608
        return int(cursor.fetchone()[0])


def facet_count(table: str, slug: str) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT trainer_count FROM read.{table} WHERE slug = %s", [slug])  # noqa: S608
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def assert_in_step() -> None:
    assert read_model_check() == []


class TestPublicity:
    @pytest.mark.parametrize("status", [Status.DRAFT, Status.RETIRED])
    def test_non_public_trainers_have_no_read_row(self, status: Status) -> None:
        trainer = make_trainer(status=status)
        assert read_trainer(trainer) is None
        assert facet_count("branch", trainer.branch.slug) == 0

    def test_published_trainer_is_projected_on_insert(self) -> None:
        yoga = make_specialty(slug="yoga", name="Yoga")
        trainer = make_trainer(first_name="Ana", last_name="Silva", specialties=[yoga])
        row = read_trainer(trainer)
        assert row is not None
        assert (row["first_name"], row["last_name"], row["on_leave"]) == ("Ana", "Silva", False)
        assert row["specialties"] == [{"slug": "yoga", "name": "Yoga"}]
        assert row["branch"]["slug"] == trainer.branch.slug
        assert facet_count("specialty", "yoga") == 1
        assert_in_step()

    def test_status_changes_publish_flag_and_hide(self) -> None:
        trainer = make_trainer(status=Status.DRAFT)
        Trainer.objects.filter(pk=trainer.pk).update(status=Status.PUBLISHED)
        assert read_trainer(trainer) is not None
        Trainer.objects.filter(pk=trainer.pk).update(status=Status.ON_LEAVE)
        row = read_trainer(trainer)
        assert row is not None and row["on_leave"] is True and row["_on_leave"] is True
        assert facet_count("branch", trainer.branch.slug) == 1
        Trainer.objects.filter(pk=trainer.pk).update(status=Status.RETIRED)
        assert read_trainer(trainer) is None
        assert facet_count("branch", trainer.branch.slug) == 0
        assert_in_step()


class TestBypassWrites:
    def test_queryset_update_of_many_rows_in_one_statement(self) -> None:
        branch = make_branch()
        trainers = [make_trainer(branch=branch) for _ in range(3)]
        Trainer.objects.filter(branch=branch).update(shift="night", first_name="Sam")
        for trainer in trainers:
            row = read_trainer(trainer)
            assert row is not None and (row["shift"], row["first_name"]) == ("night", "Sam")
        assert_in_step()

    def test_private_only_change_does_not_rewrite_the_row(self) -> None:
        trainer = make_trainer()
        before = read_trainer(trainer)
        Trainer.objects.filter(pk=trainer.pk).update(
            email="new@staff.example.com", phone="1", internal_notes="x"
        )
        after = read_trainer(trainer)
        assert before is not None and after is not None
        assert after["_rev"] == before["_rev"]

    def test_queryset_delete_cascades_to_classes_and_counts(self) -> None:
        yoga = make_specialty()
        trainer = make_trainer(specialties=[yoga])
        make_class(trainer)
        make_certification(trainer)
        Trainer.objects.filter(pk=trainer.pk).delete()
        assert read_trainer(trainer) is None
        assert count("class") == 0
        assert facet_count("specialty", yoga.slug) == 0
        assert facet_count("branch", trainer.branch.slug) == 0
        assert_in_step()

    def test_raw_sql_update_and_delete(self) -> None:
        trainer = make_trainer()
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE trainers_trainer SET last_name = 'Raw' WHERE id = %s", [trainer.pk]
            )
        row = read_trainer(trainer)
        assert row is not None and row["last_name"] == "Raw"
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM trainers_trainer WHERE id = %s", [trainer.pk])
        assert read_trainer(trainer) is None
        assert_in_step()

    def test_bulk_create_projects_every_row(self) -> None:
        branch = make_branch()
        Trainer.objects.bulk_create(
            Trainer(
                slug=f"bulk-{i}",
                first_name="Bulk",
                last_name=str(i),
                email=f"bulk{i}@example.com",
                hired_on=date(2020, 1, 1),
                branch=branch,
                status=Status.PUBLISHED,
            )
            for i in range(50)
        )
        assert count("trainer") == 50
        assert facet_count("branch", branch.slug) == 50
        assert_in_step()

    @pytest.mark.django_db(transaction=True)
    def test_truncate_empties_the_read_model(self) -> None:
        """Also what Django's test flush does between transactional tests."""
        make_class(make_trainer())
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE trainers_trainer CASCADE")
        assert count("trainer") == 0
        assert count("class") == 0
        assert_in_step()


class TestRelatedWrites:
    def test_specialty_links_added_and_removed(self) -> None:
        yoga, hiit = make_specialty(slug="yoga"), make_specialty(slug="hiit")
        trainer = make_trainer(specialties=[yoga])
        trainer.specialties.add(hiit)
        row = read_trainer(trainer)
        assert row is not None
        assert {s["slug"] for s in row["specialties"]} == {"yoga", "hiit"}
        trainer.specialties.remove(yoga)
        row = read_trainer(trainer)
        assert row is not None and [s["slug"] for s in row["specialties"]] == ["hiit"]
        assert facet_count("specialty", "yoga") == 0
        assert facet_count("specialty", "hiit") == 1
        trainer.specialties.clear()
        assert facet_count("specialty", "hiit") == 0
        assert_in_step()

    def test_specialty_rename_and_delete(self) -> None:
        yoga = make_specialty(slug="yoga", name="Yoga")
        trainer = make_trainer(specialties=[yoga])
        Specialty.objects.filter(pk=yoga.pk).update(slug="hatha", name="Hatha yoga")
        row = read_trainer(trainer)
        assert row is not None and row["specialties"] == [{"slug": "hatha", "name": "Hatha yoga"}]
        assert facet_count("specialty", "hatha") == 1
        Specialty.objects.filter(pk=yoga.pk).delete()
        row = read_trainer(trainer)
        assert row is not None and row["specialties"] == []
        assert facet_count("specialty", "hatha") is None
        assert_in_step()

    def test_branch_rename_reaches_trainers_and_classes_elsewhere(self) -> None:
        home, other = make_branch(), make_branch()
        trainer = make_trainer(branch=home)
        make_class(trainer, branch=other)
        Branch.objects.filter(pk=other.pk).update(name="Riverside")
        row = read_trainer(trainer)
        assert row is not None and row["classes"][0]["branch"]["name"] == "Riverside"
        Branch.objects.filter(pk=home.pk).update(slug="uptown", city="Porto")
        row = read_trainer(trainer)
        assert row is not None and row["branch"]["slug"] == "uptown"
        assert row["branch"]["city"] == "Porto"
        assert_in_step()

    def test_trainer_moving_branch_moves_the_counts(self) -> None:
        a, b = make_branch(), make_branch()
        trainer = make_trainer(branch=a)
        Trainer.objects.filter(pk=trainer.pk).update(branch=b)
        assert (facet_count("branch", a.slug), facet_count("branch", b.slug)) == (0, 1)
        assert_in_step()

    def test_certifications_follow_inserts_updates_deletes(self) -> None:
        trainer = make_trainer()
        cert = make_certification(trainer, name="CPR")
        Certification.objects.filter(pk=cert.pk).update(issuer="Red Cross")
        row = read_trainer(trainer)
        assert row is not None
        assert [(c["name"], c["issuer"]) for c in row["certifications"]] == [("CPR", "Red Cross")]
        Certification.objects.filter(pk=cert.pk).delete()
        row = read_trainer(trainer)
        assert row is not None and row["certifications"] == []
        assert_in_step()

    def test_classes_follow_inserts_moves_and_deletes(self) -> None:
        ana, bob = make_trainer(), make_trainer()
        gym_class = make_class(ana, weekday=2, start_time=time(18, 30))
        row = read_trainer(ana)
        assert row is not None and row["_weekdays"] == [2]
        assert row["classes"][0]["start_time"] == "18:30"
        GymClass.objects.filter(pk=gym_class.pk).update(trainer=bob, weekday=5)
        ana_row, bob_row = read_trainer(ana), read_trainer(bob)
        assert ana_row is not None and ana_row["_weekdays"] == [] and ana_row["classes"] == []
        assert bob_row is not None and bob_row["_weekdays"] == [5]
        assert count("class", "trainer_id = %s", [bob.pk]) == 1
        GymClass.objects.filter(pk=gym_class.pk).delete()
        assert count("class") == 0
        assert_in_step()

    def test_classes_of_a_trainer_who_leaves_the_public_disappear(self) -> None:
        trainer = make_trainer()
        make_class(trainer)
        Trainer.objects.filter(pk=trainer.pk).update(status=Status.DRAFT)
        assert count("class") == 0
        assert_in_step()


class TestRebuild:
    def test_deferred_projection_rebuilds_once_at_the_end(self) -> None:
        branch = make_branch()
        with deferred_projection():
            trainer = make_trainer(branch=branch)
            make_class(trainer)
            assert read_trainer(trainer) is None
        assert read_trainer(trainer) is not None
        assert facet_count("branch", branch.slug) == 1
        assert_in_step()

    def test_rebuild_from_scratch_equals_the_incremental_result(self) -> None:
        yoga = make_specialty()
        for i in range(5):
            trainer = make_trainer(
                specialties=[yoga], status=[Status.PUBLISHED, Status.DRAFT][i % 2]
            )
            make_class(trainer, weekday=i + 1)
            make_certification(trainer)
        tables = ["branch", "specialty", "trainer", "class"]
        incremental = {t: snapshot(t) for t in tables}
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DELETE FROM read.{table}")  # noqa: S608
            cursor.execute("SELECT read.rebuild()")
        assert {t: snapshot(t) for t in tables} == incremental
        assert incremental["trainer"]


def snapshot(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (to_jsonb(r) - 'rev')::text FROM read.{table} r ORDER BY r.id")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]
