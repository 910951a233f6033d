"""read.card_html writes, for any item, the card migration 0023's definition wrote.

Migration 0024 replaced the SQL function with a faster PL/pgSQL one and left the
stored column as it was: that is right only while the two agree. 0023's definition is
created here under pg_temp, from its frozen snapshot, and both are asked the same items:
the pages' hostile and non-ASCII values (``NASTY``) in every field, and edge cases (no
photo, a photo address only, no specialties, a specialty without a name, nulls).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.db import connection

from tests.readapi.test_pages import NASTY
from trainers.sqlfiles import read

pytestmark = pytest.mark.django_db


def _card_html_0023() -> str:
    snapshot = read("0023_cards.sql")
    found = re.search(
        r"CREATE OR REPLACE FUNCTION read\.card_html\(item jsonb\).*?'</div></li>'\);",
        snapshot,
        re.S,
    )
    assert found, "0023's read.card_html is no longer where this test looks for it"
    return found.group(0).replace("read.card_html(", "pg_temp.card_html_0023(", 1)


def _item(value: str, **changes: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": "0b8a0c52-6a3e-4c2a-9d0e-3f1b2c4d5e6f",
        "slug": "ana-quintela",
        "first_name": value or "Ana",
        "last_name": value,
        "position": "trainer",
        "shift": "morning",
        "on_leave": False,
        "photo_url": None,
        "photo": {
            "url": f"/media/{value}.jpg",
            "srcset": f"/m/{value} 96w",
            "width": 96,
            "height": 96,
        },
        "branch": {"slug": "downtown", "name": value, "city": value},
        "specialties": [{"slug": "yoga", "name": value}, {"slug": "hiit", "name": "HIIT"}],
    }
    return item | changes


EDGES: list[dict[str, Any]] = [
    _item("Ana", photo=None, photo_url="https://cdn.example.com/a.jpg"),
    _item("Ana", photo=None, photo_url=""),
    _item("Ana", photo=None),
    _item("Zoë", photo="not an object", on_leave=True),
    _item("Ana", specialties=[]),
    _item("Ana", specialties=[{"slug": "x"}, {"slug": "y", "name": "<b>Yoga</b>"}]),
    _item("Ana", specialties=[{"slug": "x", "name": None}]),
    {key: value for key, value in _item("Ana").items() if key != "specialties"},
    _item("Ana", slug=None),
]


def test_the_faster_card_writes_what_0023s_wrote() -> None:
    items = [_item(value) for value in NASTY] + EDGES
    with connection.cursor() as cursor:
        cursor.execute(_card_html_0023())
        for item in items:
            cursor.execute(
                "SELECT read.card_html(%s::jsonb), pg_temp.card_html_0023(%s::jsonb)",
                [json.dumps(item)] * 2,
            )
            new, old = cursor.fetchone()
            assert new == old, item
        # Both write every character beyond ASCII as a reference.
        cursor.execute("SELECT read.card_html(%s::jsonb)", [json.dumps(_item("Zoë 😀"))])
        assert "Zo&#235; &#128512;" in cursor.fetchone()[0]
        cursor.execute("SELECT read.card_html(NULL), pg_temp.card_html_0023(NULL)")
        assert cursor.fetchone() == (None, None)
