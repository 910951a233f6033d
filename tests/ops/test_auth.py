"""Only staff with the endpoint's permission get through; every refusal is a problem document."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.ops.conftest import ALL_OPS_PERMISSIONS, MakeClient, make_user

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
TRAINER = uuid.UUID("00000000-0000-4000-8000-00000000abcd")
ENDPOINTS = [
    ("get", "/ops/read-model/status", "view_readmodelrun"),
    ("post", "/ops/read-model/check", "check_read_model"),
    ("get", "/ops/read-model/runs/1", "view_readmodelrun"),
    ("get", f"/ops/trainers/{TRAINER}/events", "view_event"),
    ("post", "/ops/read-model/rebuild", "rebuild_read_model"),
]


@pytest.mark.parametrize(("method", "path", "perm"), ENDPOINTS)
def test_anonymous_gets_401(method: str, path: str, perm: str) -> None:
    response = getattr(Client(), method)(path)
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["status"] == 401


@pytest.mark.parametrize(("method", "path", "perm"), ENDPOINTS)
def test_unknown_token_gets_401(method: str, path: str, perm: str) -> None:
    client = Client(headers={"Authorization": "Token not-a-token"})
    assert getattr(client, method)(path).status_code == 401


@pytest.mark.parametrize(("method", "path", "perm"), ENDPOINTS)
def test_non_staff_gets_403_even_with_the_permission(
    client_for: MakeClient, method: str, path: str, perm: str
) -> None:
    response = getattr(client_for(staff=False, perms=(perm,)), method)(path)
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "Only staff may use the operations API."


@pytest.mark.parametrize(("method", "path", "perm"), ENDPOINTS)
def test_staff_without_the_permission_gets_403(
    client_for: MakeClient, method: str, path: str, perm: str
) -> None:
    others = tuple(p for _, _, p in ENDPOINTS if p != perm)
    response = getattr(client_for(staff=True, perms=others), method)(path)
    assert response.status_code == 403
    assert response.json()["detail"] == f"This needs the permission trainers.{perm}."


@pytest.mark.parametrize(("method", "path", "perm"), ENDPOINTS[:4])
def test_staff_with_the_permission_gets_through(
    client_for: MakeClient, method: str, path: str, perm: str
) -> None:
    response = getattr(client_for(staff=True, perms=(perm,)), method)(path)
    # Run 1 and the random trainer do not exist: a 404 problem still means "allowed".
    assert response.status_code in {200, 404}


def test_session_post_needs_the_csrf_token() -> None:
    user = make_user("session-op", staff=True, perms=("check_read_model",))
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    refused = client.post("/ops/read-model/check")
    assert refused.status_code == 403
    assert refused["Content-Type"] == PROBLEM
    assert "CSRF" in refused.json()["detail"]

    csrf = "k" * 32  # what a browser would have in its csrftoken cookie
    client.cookies["csrftoken"] = csrf
    assert client.post("/ops/read-model/check", headers={"X-CSRFToken": csrf}).status_code == 200


def test_session_get_needs_no_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user("session-viewer", staff=True, perms=("view_readmodelrun",)))
    assert client.get("/ops/read-model/status").status_code == 200


def test_superuser_holds_every_permission() -> None:
    client = Client()
    client.force_login(User.objects.create_superuser("root", password=None))
    assert client.get("/ops/read-model/status").status_code == 200


def test_docs_and_schema_are_for_signed_in_staff(operator: User) -> None:
    docs = Client().get("/ops/docs")
    assert docs.status_code == 302
    assert docs["Location"].startswith("/admin/login/")
    client = Client()
    client.force_login(operator)
    assert client.get("/ops/docs").status_code == 200
    schema = client.get("/ops/openapi.json").json()
    assert schema["info"]["title"] == "Trainer Profiles operations API"


def test_staff_token_gets_the_schema(client_for: MakeClient) -> None:
    """A staff token reads the schema, whatever its permissions: it describes, it does not act."""
    response = client_for(staff=True).get("/ops/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["info"]["title"] == "Trainer Profiles operations API"


@pytest.mark.parametrize(
    "headers", [{}, {"Authorization": "Token not-a-token"}], ids=["anonymous", "unknown token"]
)
def test_schema_without_credentials_is_a_401_problem(headers: dict[str, str]) -> None:
    response = Client(headers=headers).get("/ops/openapi.json")
    assert response.status_code == 401
    assert response["Content-Type"] == PROBLEM
    assert response["WWW-Authenticate"] == "Token"
    assert "Location" not in response
    assert response.json()["status"] == 401


def test_schema_for_a_non_staff_token_is_a_403_problem(client_for: MakeClient) -> None:
    response = client_for(staff=False, perms=ALL_OPS_PERMISSIONS).get("/ops/openapi.json")
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "Only staff may use the operations API."


def test_schema_for_a_non_staff_session_is_a_403_problem() -> None:
    client = Client()
    client.force_login(make_user("session-guest", staff=False))
    response = client.get("/ops/openapi.json")
    assert response.status_code == 403
    assert response["Content-Type"] == PROBLEM
    assert response.json()["detail"] == "Only staff may use the operations API."


def test_schema_lists_every_endpoint() -> None:
    from trainers.ops.api import api

    paths = api.get_openapi_schema()["paths"]
    assert set(paths) == {
        "/ops/read-model/status",
        "/ops/read-model/rebuild",
        "/ops/read-model/runs/{run_id}",
        "/ops/read-model/check",
        "/ops/trainers/{trainer_id}/events",
        "/ops/trainers/{trainer_id}/erase",
    }


def test_invalid_parameters_are_a_422_problem(ops: Client) -> None:
    response = ops.get(f"/ops/trainers/{TRAINER}/events?limit=0")
    assert response.status_code == 422
    assert response["Content-Type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "limit"
    assert ops.get("/ops/trainers/not-a-uuid/events").status_code in {404, 422}
