"""Migration 0026's faster derivations give what 0025's definitions gave.

``read.photo_document`` became PL/pgSQL (the renditions joined in a loop when they are
in width order) and ``read.search_term_rows`` counts a word's weights without a
sub-select. Stored rows are left as they are, which is right only while old and new
agree: 0025's definitions are created here under pg_temp, from the frozen snapshot, and
both are asked the same questions.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import connection

from tests.factories import make_specialty, make_trainer
from trainers.sqlfiles import read

pytestmark = pytest.mark.django_db


def _from_0025(name: str, end: str) -> str:
    found = re.search(
        rf"CREATE OR REPLACE FUNCTION read\.{name}\(.*?{re.escape(end)}",
        read("0025_generic_plans.sql"),
        re.S,
    )
    assert found, f"0025's read.{name} is no longer where this test looks for it"
    return found.group(0).replace(f"read.{name}(", f"pg_temp.{name}_0025(", 1)


def _photo(*widths: int, **changes: Any) -> dict[str, Any]:
    renditions = [{"url": f"/media/a-{w}.webp", "width": w, "height": w} for w in widths]
    return {"url": "/media/a.jpg", "width": 480, "height": 480, "renditions": renditions} | changes


PHOTOS: list[dict[str, Any] | None] = [
    _photo(160, 320, 480),  # as trainers/photos/files.py writes them
    _photo(480, 160, 320),  # out of order: sorted all the same
    _photo(320, 320, 160),
    _photo(160),
    _photo(),
    _photo(160, 320, url="/media/<b>&\"'.jpg"),
    {"url": "/media/a.jpg", "width": 480, "height": 480},  # no renditions
    None,
]


def test_the_photo_document_is_0025s() -> None:
    with connection.cursor() as cursor:
        cursor.execute(_from_0025("photo_document", "'alt', alt) END;"))
        for photo in PHOTOS:
            for alt in ("Ana Silva", "Zoë <b>&", None):
                value = None if photo is None else json.dumps(photo)
                cursor.execute(
                    "SELECT read.photo_document(%s::jsonb, %s)::text,"
                    " pg_temp.photo_document_0025(%s::jsonb, %s)::text",
                    [value, alt, value, alt],
                )
                new, old = cursor.fetchone()
                assert new == old, (photo, alt)
        cursor.execute(
            "SELECT read.photo_document(%s::jsonb, 'a') ->> 'srcset'",
            [json.dumps(_photo(480, 160))],
        )
        assert cursor.fetchone()[0] == "/media/a-160.webp 160w, /media/a-480.webp 480w"
        # Renditions that are not a list (never written so): no srcset, where 0025 failed.
        cursor.execute(
            "SELECT read.photo_document(%s::jsonb, 'a') ->> 'srcset'",
            [json.dumps(_photo(renditions=None))],
        )
        assert cursor.fetchone()[0] is None


def test_the_search_terms_are_0025s() -> None:
    yoga = make_specialty(name="Yoga Yoga")
    run = make_specialty(name="Running")
    trainers = [
        make_trainer(
            first_name="Ana",
            last_name="Ana Yoga",
            bio="Yoga, yoga, yoga. Ana runs.",
            specialties=[yoga, run],
        ),
        make_trainer(
            first_name="Rita", last_name="Running", bio="Running. Running! Rita.", specialties=[run]
        ),
        make_trainer(first_name="Zoë", last_name="D'Arcy-Ölm", bio="", specialties=[]),
    ]
    ids = [str(t.pk) for t in trainers]
    with connection.cursor() as cursor:
        cursor.execute(_from_0025("search_term_rows", "\n$$;"))
        query = "SELECT id, term, trainer_id, score FROM {}(%s::uuid[]) ORDER BY 1"
        cursor.execute(query.format("read.search_term_rows"), [ids])
        new = cursor.fetchall()
        cursor.execute(query.format("pg_temp.search_term_rows_0025"), [ids])
        old = cursor.fetchall()
    assert new == old
    scores = {term: score for _, term, trainer_id, score in new if str(trainer_id) == ids[0]}
    # names 1 each (ana twice), specialty names 0.5 each (yoga twice), the bio 0.25 each.
    assert scores["ana"] == 2.25 and scores["yoga"] == 2.75, scores
