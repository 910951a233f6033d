"""What the two sides share: the vocabulary, the OpenAPI document, and no Django on reads."""

from __future__ import annotations

import subprocess
import sys

from fastapi.testclient import TestClient

from readapi import vocab
from trainers import models


def test_filter_vocabulary_matches_the_write_model() -> None:
    assert [p.value for p in vocab.Position] == list(models.Position.values)
    assert [s.value for s in vocab.Shift] == list(models.Shift.values)
    assert [d.value for d in vocab.Weekday] == list(models.Weekday.values)


def test_readapi_imports_no_django() -> None:
    code = (
        "import sys, readapi.app, readapi.deps; "
        "sys.exit(any(m == 'django' or m.startswith(('django.', 'trainers')) for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_openapi_documents_every_route_with_models_and_examples(app_client: TestClient) -> None:
    spec = app_client.get("/query/openapi.json").json()
    expected = {
        "/query/trainers": "TrainerPage",
        "/query/trainers/{trainer_id}": "TrainerProfile",
        "/query/branches": "BranchList",
        "/query/specialties": "SpecialtyList",
        "/query/timetable": "Timetable",
    }
    # The change feed is a stream, not a JSON document: tests/feed/test_stream.py covers it.
    assert set(spec["paths"]) == set(expected) | {"/query/changes"}
    for path, model in expected.items():
        get = spec["paths"][path]["get"]
        assert get["description"] or get["summary"]
        ok = get["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok["$ref"].endswith("/" + model)
        assert {"304", "422"} <= set(get["responses"])
        assert spec["components"]["schemas"][model].get("examples"), model
