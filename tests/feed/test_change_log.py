"""read.change: what the change feed serves, written at commit from the events."""

from __future__ import annotations

from datetime import date, time
from uuid import UUID

import pytest
from django.db import connection

from tests.factories import make_branch, make_specialty
from trainers import commands as c
from trainers.handlers import dispatch
from trainers.models import Trainer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def feed_in_step() -> None:
    """Between tests the write tables are truncated, which records no event: catch up first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT read.publish_changes(NULL)")


def changes_after(after: int) -> list[tuple[int, str, int, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, trainer_id::text, version, kind FROM read.change WHERE id > %s ORDER BY id",
            [after],
        )
        return list(cursor.fetchall())


def newest() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM read.change")
        (value,) = cursor.fetchone()
        return int(value)


def register(branch: str, *, publish: bool = True, email: str = "ana@staff.example.com") -> Trainer:
    trainer: Trainer = dispatch(
        c.TrainerRegister(
            first_name="Ana",
            last_name="Silva",
            email=email,
            hired_on=date(2019, 1, 1),
            branch=branch,
        )
    )
    if publish:
        trainer = dispatch(c.TrainerPublish(trainer_id=trainer.pk))
    return trainer


def test_publishing_a_trainer_is_an_upsert_with_its_version() -> None:
    branch = make_branch()
    start = newest()
    trainer = register(branch.slug)
    assert [row[1:] for row in changes_after(start)] == [(str(trainer.pk), 2, "upsert")]


def test_drafts_and_private_edits_publish_nothing() -> None:
    branch = make_branch()
    start = newest()
    draft = register(branch.slug, publish=False)
    dispatch(c.TrainerUpdateProfile(trainer_id=draft.pk, bio="Still a draft."))
    public = register(branch.slug, email="bruno@staff.example.com")
    after_publish = newest()
    dispatch(c.TrainerUpdateProfile(trainer_id=public.pk, email="new@staff.example.com"))
    dispatch(c.TrainerUpdateProfile(trainer_id=public.pk, internal_notes="private"))
    assert [row[1] for row in changes_after(start)] == [str(public.pk)]
    assert changes_after(after_publish) == []


def test_unpublish_and_delete_are_deletes_and_public_edits_upserts() -> None:
    branch = make_branch()
    trainer = register(branch.slug)
    start = newest()
    dispatch(c.TrainerUpdateProfile(trainer_id=trainer.pk, bio="New bio."))
    dispatch(c.TrainerUnpublish(trainer_id=trainer.pk))
    dispatch(c.TrainerUpdateProfile(trainer_id=trainer.pk, bio="Hidden edit."))
    dispatch(c.TrainerPublish(trainer_id=trainer.pk))
    dispatch(c.TrainerDelete(trainer_id=trainer.pk))
    assert [row[2:] for row in changes_after(start)] == [
        (3, "upsert"),
        (4, "delete"),
        (6, "upsert"),
        (7, "delete"),
    ]


def test_class_and_catalog_changes_publish_the_trainers_whose_documents_moved() -> None:
    branch = make_branch()
    other = make_branch()
    yoga = make_specialty()
    ana = register(branch.slug)
    bruno = register(other.slug, email="bruno@staff.example.com")
    start = newest()
    gym_class = dispatch(
        c.GymClassSchedule(
            title="Flow",
            branch=branch.slug,
            trainer_id=ana.pk,
            weekday=1,
            start_time=time(7, 0),
            duration_minutes=60,
            capacity=10,
        )
    )
    assert [UUID(row[1]) for row in changes_after(start)] == [ana.pk]
    mark = newest()
    dispatch(c.GymClassReschedule(class_id=gym_class.pk, trainer_id=bruno.pk))
    assert sorted(UUID(row[1]) for row in changes_after(mark)) == sorted([ana.pk, bruno.pk])
    mark = newest()
    dispatch(c.SpecialtyUpdate(slug=yoga.slug, name="Yoga flow"))
    assert changes_after(mark) == [], "no public trainer carries the specialty"
    dispatch(c.BranchUpdate(slug=other.slug, name="Other name"))
    assert [UUID(row[1]) for row in changes_after(mark)] == [bruno.pk]


def test_ids_follow_commit_order_and_each_commit_notifies() -> None:
    branch = make_branch()
    with connection.cursor() as cursor:
        cursor.execute("LISTEN read_change")
    start = newest()
    register(branch.slug)
    rows = changes_after(start)
    assert [row[0] for row in rows] == sorted(row[0] for row in rows)
    pg_conn = connection.connection
    notifies = list(pg_conn.notifies(timeout=1.0, stop_after=1))
    assert notifies and int(notifies[0].payload) == rows[-1][0]


def test_a_rebuild_announces_what_writes_without_events_changed() -> None:
    """A queryset update records no event, so the feed learns of it at the next rebuild."""
    from trainers.rebuild import read_model_swap_rebuild

    trainer = register(make_branch().slug)
    start = newest()
    Trainer.objects.filter(pk=trainer.pk).update(bio="Changed behind the handlers' back.")
    assert changes_after(start) == []

    read_model_swap_rebuild()

    assert [row[1:] for row in changes_after(start)] == [
        (str(trainer.pk), trainer.version, "upsert")
    ]


def test_a_rebuild_announces_that_the_facets_may_have_changed() -> None:
    """A rebuild may correct a branch or specialty row with no trainer changing: every
    process's cached answers must hear of it (its swap announces every key, ``*``)."""
    import psycopg

    from config.dsn import conninfo
    from trainers.rebuild import read_model_swap_rebuild

    branch = make_branch()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE read.branch SET name = 'Wrong' WHERE id = %s", [branch.pk])
    with psycopg.connect(conninfo(connection.settings_dict), autocommit=True) as listener:
        listener.execute("LISTEN read_keys")
        read_model_swap_rebuild()
        payloads = [n.payload for n in listener.notifies(timeout=5, stop_after=1)]
    assert payloads == ["*"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM read.branch WHERE id = %s", [branch.pk])
        assert cursor.fetchone() == (branch.name,)
