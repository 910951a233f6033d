"""Security headers on both halves of the app; HSTS in production only.

Django's SecurityMiddleware covers admin, /api/ and /ops/; the FastAPI half
(``/query/``) adds the same headers itself (readapi/security.py).
``manage.py check --deploy``, DEBUG off in production and secrets from the
environment only: tests/config/test_settings.py.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from readapi.app import create_app

EXPECTED = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


def headers_of(response: object) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items()}  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", ["/query/branches", "/query/trainers?limit=0", "/query/nowhere"])
def test_query_responses_carry_the_security_headers(app_client: TestClient, path: str) -> None:
    """200, 422 and 404 alike, through the composed ASGI app."""
    headers = headers_of(app_client.get(path))
    assert {k: headers.get(k) for k in EXPECTED} == EXPECTED
    assert "strict-transport-security" not in headers  # development


@pytest.mark.parametrize("path", ["/api/schema/", "/healthz"])
def test_django_responses_carry_them_too(app_client: TestClient, path: str) -> None:
    headers = headers_of(app_client.get(path))
    assert {k: headers.get(k) for k in EXPECTED} == EXPECTED


def test_production_sends_hsts_on_query_responses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECURE_HSTS_SECONDS", raising=False)
    response = TestClient(create_app(dsn="")).get("/query/openapi.json")
    assert response.headers["strict-transport-security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


def test_hsts_follows_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECURE_HSTS_SECONDS", "600")
    response = TestClient(create_app(dsn="")).get("/query/openapi.json")
    assert response.headers["strict-transport-security"].startswith("max-age=600;")
