"""The one ASGI app routes each prefix to its framework and runs the lifespan."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from psycopg_pool import AsyncConnectionPool


def test_query_prefix_goes_to_fastapi(app_client: TestClient) -> None:
    response = app_client.get("/query/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Trainer Profiles query API"
    assert app_client.get("/query/docs").status_code == 200


def test_other_paths_go_to_django(app_client: TestClient) -> None:
    response = app_client.get("/admin/login/")
    assert response.status_code == 200
    assert "csrfmiddlewaretoken" in response.text
    assert app_client.get("/api/schema/").status_code == 200


def test_prefix_match_is_on_a_path_segment(app_client: TestClient) -> None:
    """``/queryx`` is not the query API: Django answers it (with a 404 of its own)."""
    response = app_client.get("/queryx")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]


def test_lifespan_opens_and_closes_the_read_pool(transactional_db: None) -> None:
    from config.asgi import application, query_app

    with TestClient(application) as client:
        pool = query_app.state.pool
        assert isinstance(pool, AsyncConnectionPool)
        assert not pool.closed
        assert client.get("/query/branches").json() == {"items": []}
    assert pool.closed


def test_health_and_readiness(app_client: TestClient) -> None:
    assert app_client.get("/healthz").json() == {"status": "ok"}
    ready = app_client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


@pytest.mark.django_db(transaction=True)
def test_readyz_names_pending_migrations_to_loopback_and_staff_only(
    app_client: TestClient, admin_user: Any
) -> None:
    from django.core.management import call_command
    from django.test import Client

    from config.asgi import application

    staff = Client()
    staff.force_login(admin_user)
    cookie = {"sessionid": staff.cookies["sessionid"].value}
    call_command("migrate", "authtoken", "zero", verbosity=0)
    try:
        anonymous = TestClient(application, client=("203.0.113.9", 5000)).get("/readyz")
        assert anonymous.status_code == 503
        assert anonymous.headers["retry-after"]
        assert anonymous.json() == {"status": "unavailable"}
        for response in (
            TestClient(application, client=("127.0.0.1", 5000)).get("/readyz"),
            TestClient(application, client=("203.0.113.9", 5000), cookies=cookie).get("/readyz"),
        ):
            assert response.status_code == 503
            body = response.json()
            assert body["reason"] == "migrations pending"
            assert "authtoken.0001_initial" in body["detail"]
    finally:
        call_command("migrate", "authtoken", verbosity=0)


def test_static_files_are_served(app_client: TestClient) -> None:
    response = app_client.get("/static/admin/css/base.css")
    assert response.status_code == 200
    assert "text/css" in response.headers["content-type"]


def test_unknown_query_route_is_problem_json(app_client: TestClient) -> None:
    response = app_client.get("/query/nope")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404
