"""No private field value reaches the read schema or the query API."""

from __future__ import annotations

from datetime import date

from django.db import connection
from fastapi.testclient import TestClient

from tests.factories import make_certification, make_class, make_specialty, make_trainer
from trainers.models import Status

PRIVATE_COLUMNS = {"email", "phone", "date_of_birth", "internal_notes", "status"}


def private_values() -> list[str]:
    return ["zed.private@staff.example.com", "+351 912 345 678", "1987-06-13", "SECRET-NOTE-42"]


def make_private_trainers() -> None:
    email, phone, _, note = private_values()
    specialty = make_specialty()
    for status in Status:
        trainer = make_trainer(
            status=status,
            email=f"{status}.{email}",
            phone=phone,
            date_of_birth=date(1987, 6, 13),
            internal_notes=note,
            specialties=[specialty],
        )
        make_class(trainer)
        make_certification(trainer)


def read_relations() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'read' AND c.relkind IN ('r', 'v', 'm', 'p')"
            " ORDER BY c.relname"
        )
        return [row[0] for row in cursor.fetchall()]


def test_every_read_relation_is_free_of_private_columns_and_values(
    transactional_db: None,
) -> None:
    make_private_trainers()
    with connection.cursor() as cursor:
        # The factories record no events: publish the change feed as a command's commit would.
        cursor.execute("SELECT read.publish_changes(NULL)")
    relations = read_relations()
    assert {"branch", "specialty", "trainer", "class"} <= set(relations)
    with connection.cursor() as cursor:
        for relation in relations:
            cursor.execute(
                "SELECT attname FROM pg_attribute"
                " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                [f"read.{relation}"],
            )
            columns = {row[0] for row in cursor.fetchall()}
            assert not columns & PRIVATE_COLUMNS, relation
            cursor.execute(f"SELECT r::text FROM read.{relation} r")  # noqa: S608
            rows = [row[0] for row in cursor.fetchall()]
            assert rows, relation
            for row in rows:
                for value in private_values():
                    assert value not in row, (relation, value)


def test_no_api_response_carries_private_values(app_client: TestClient) -> None:
    make_private_trainers()
    page = app_client.get("/query/trainers")
    bodies = [page.text]
    bodies += [app_client.get(f"/query/trainers/{i['id']}").text for i in page.json()["items"]]
    bodies += [app_client.get(p).text for p in ("/query/branches", "/query/specialties")]
    bodies.append(app_client.get("/query/timetable").text)
    assert len(page.json()["items"]) == 2  # published and on leave
    for body in bodies:
        for value in private_values():
            assert value not in body
        assert "internal_notes" not in body and "email" not in body
