"""``/query/`` and ``/metrics`` follow Django's ALLOWED_HOSTS and SECURE_SSL_REDIRECT."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pytest_django.fixtures import Settings as SettingsWrapper


@pytest.mark.parametrize("path", ["/query/specialties", "/query/trainers/", "/metrics"])
def test_a_foreign_host_is_refused_like_django_does(app_client: TestClient, path: str) -> None:
    response = app_client.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "Host" in response.json()["detail"]
    assert "evil.example" not in response.headers.get("location", "")
    admin = app_client.get("/admin/login/", headers={"Host": "evil.example"})
    assert admin.status_code == 400  # the same verdict as Django's


def test_allowed_hosts_match_as_in_django(
    app_client: TestClient, settings: SettingsWrapper
) -> None:
    settings.ALLOWED_HOSTS = [".gym.example"]
    assert app_client.get("/query/specialties", headers={"Host": "gym.example"}).is_success
    assert app_client.get("/query/specialties", headers={"Host": "www.gym.example:8443"}).is_success
    assert (
        app_client.get("/query/specialties", headers={"Host": "gym.example.evil"}).status_code
        == 400
    )
    assert app_client.get("/query/specialties", headers={"Host": ""}).status_code == 400


def test_plain_http_is_redirected_to_https_when_django_would(
    app_client: TestClient, settings: SettingsWrapper
) -> None:
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    plain = app_client.get("/query/trainers?limit=5", follow_redirects=False)
    assert plain.status_code == 301
    assert plain.headers["location"] == "https://testserver/query/trainers?limit=5"
    behind_tls = app_client.get("/query/specialties", headers={"X-Forwarded-Proto": "https"})
    assert behind_tls.status_code == 200
    metrics = app_client.get("/metrics", follow_redirects=False)
    assert metrics.status_code == 301
