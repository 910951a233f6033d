"""The OpenAPI document describes every command endpoint, its inputs and its errors."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from rest_framework.test import APIClient


@pytest.fixture
def schema(db: None) -> dict[str, Any]:
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    return dict(yaml.safe_load(response.content))


def test_every_endpoint_is_documented(schema: dict[str, Any]) -> None:
    paths = schema["paths"]
    assert set(paths["/api/trainers/"]) == {"post"}
    assert set(paths["/api/trainers/{trainer_id}/"]) == {"get", "patch", "delete"}
    for action in ("publish", "unpublish", "leave", "retire", "specialties", "certifications"):
        assert f"/api/trainers/{{trainer_id}}/{action}/" in paths
    for path in ("/api/classes/{class_id}/", "/api/branches/{slug}/", "/api/specialties/{slug}/"):
        assert path in paths
    assert "/api/auth/token/" in paths


def test_inputs_headers_and_errors_are_documented(schema: dict[str, Any]) -> None:
    register = schema["paths"]["/api/trainers/"]["post"]
    assert register["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/TrainerRegisterInput"
    }
    assert {"201", "400", "401", "403", "409", "422"} <= set(register["responses"])
    assert "Idempotency-Key" in {p["name"] for p in register["parameters"]}
    patch = schema["paths"]["/api/trainers/{trainer_id}/"]["patch"]
    assert "If-Match" in {p["name"] for p in patch["parameters"]}
    assert "412" in patch["responses"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_docs_page_is_served(db: None) -> None:
    assert APIClient().get("/api/docs/").status_code == 200
