"""Input limits: body size (413), search and cursor length (422), and parameterized SQL only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from fastapi.testclient import TestClient
from rest_framework.test import APIClient

from readapi.cursor import MAX_LENGTH as CURSOR_MAX
from readapi.vocab import Q_MAX_LENGTH

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_a_body_over_the_limit_is_413_before_it_is_parsed(settings: object) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024  # type: ignore[attr-defined]
    client = APIClient()
    client.force_authenticate(User.objects.create_superuser("big", "big@gym.example.com", "pw"))
    body = '{"first_name": "' + "x" * 2000 + '"}'
    response = client.post("/api/trainers/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": "a" * (Q_MAX_LENGTH + 1)}, "q"),
        ({"q": "a\x00b"}, "q"),
        ({"cursor": "A" * (CURSOR_MAX + 1)}, "cursor"),
        ({"cursor": "not base64!"}, "cursor"),
        ({"specialty": [f"s{i}" for i in range(11)]}, "specialty"),
    ],
)
def test_oversized_or_malformed_search_input_is_422(
    app_client: TestClient, params: dict[str, object], field: str
) -> None:
    response = app_client.get("/query/trainers", params=params)  # type: ignore[arg-type]
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in {e["field"] for e in response.json()["errors"]}


def test_the_longest_allowed_search_is_answered(app_client: TestClient) -> None:
    assert app_client.get("/query/trainers", params={"q": "a" * Q_MAX_LENGTH}).status_code == 200


# SQL is built with placeholders, never by formatting values into it.
FORMATTED_SQL = re.compile(
    r"""(execute|executemany|raw|extra|RunSQL)\s*\(\s*(f["']|["'][^"']*["']\s*(%|\.format))""",
    re.IGNORECASE,
)


# Formatted statements whose every part is a constant of the code, never input.
CONSTANT_ONLY = {
    "trainers/rebuild/common.py": ("REPEATABLE READ{mode}",),
    "trainers/rebuild/build.py": ('VACUUM read_shadow."{rel}"',),
    "readapi/feed.py": ("LISTEN {CHANNEL}; LISTEN {keys.CHANNEL}",),
}


def test_no_sql_is_built_by_string_formatting() -> None:
    offenders = []
    for folder in ("config", "trainers", "readapi"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for n, line in enumerate(path.read_text().splitlines(), 1):
                relative = str(path.relative_to(ROOT))
                allowed = CONSTANT_ONLY.get(relative, ())
                if FORMATTED_SQL.search(line) and not any(a in line for a in allowed):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == []
