"""Who may call what: every command and ops endpoint, enumerated, so a new one is covered too.

The command API's endpoints come from its URL patterns (each view class and
the methods it implements), the ops API's from its OpenAPI document. Also
proven elsewhere, not repeated here:

- a revoked token stops working:
  tests/api/test_auth.py::TestAuthToken::test_delete_revokes_the_callers_token
- the admin hides actions and buttons a user may not use: tests/admin/test_permissions.py
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern
from rest_framework.test import APIClient
from rest_framework.views import APIView

from tests.api.conftest import make_user, token_client
from trainers.api import urls as api_urls
from trainers.api.views.auth import AuthTokenApi

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# A sample value for each path converter, so that the request reaches the view.
SAMPLES = {
    "uuid": "6f0c2a4e-0000-4000-8000-000000000001",
    "int": "1",
    "slug": "downtown",
    "str": "x",
}
NOT_COMMANDS = {"SpectacularAPIView", "SpectacularSwaggerSplitView", "ApiNotFound"}


def command_endpoints() -> list[tuple[str, str, type[APIView]]]:
    """(method, path, view) for every method every DRF view under /api/ implements."""
    endpoints = []
    for pattern in api_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        view: type[APIView] = pattern.callback.cls  # type: ignore[attr-defined]
        if view.__name__ in NOT_COMMANDS:
            continue
        route = str(pattern.pattern)
        path = "/api/" + re.sub(r"<(\w+):\w+>", lambda m: SAMPLES[m.group(1)], route)
        for method in view.http_method_names:
            if method not in {"options", "head"} and hasattr(view, method):
                endpoints.append((method.upper(), path, view))
    return endpoints


def endpoint_id(value: object) -> str:
    return value.__name__ if isinstance(value, type) else str(value)


ENDPOINTS = command_endpoints()
MODEL_ENDPOINTS = [e for e in ENDPOINTS if e[2] is not AuthTokenApi]


def call(client: Any, method: str, path: str) -> Any:
    return getattr(client, method.lower())(path, {}, format="json")


def test_the_enumeration_finds_every_command() -> None:
    """Guards the enumeration itself: it must see the known endpoints (and any new one)."""
    found = {(m, p.split("/")[2]) for m, p, _ in ENDPOINTS}
    for expected in [
        ("POST", "trainers"),
        ("PATCH", "trainers"),
        ("DELETE", "trainers"),
        ("PUT", "trainers"),
        ("POST", "classes"),
        ("PATCH", "classes"),
        ("POST", "branches"),
        ("PATCH", "specialties"),
        ("DELETE", "auth"),
    ]:
        assert expected in found
    assert len(MODEL_ENDPOINTS) >= 20


def refused(client: Any, endpoints: list[tuple[str, str, type[APIView]]], *codes: int) -> list[str]:
    """The endpoints that did not answer with one of ``codes``."""
    wrong = []
    for method, path, _ in endpoints:
        response = call(client, method, path)
        if response.status_code not in codes:
            wrong.append(f"{method} {path}: {response.status_code}")
    return wrong


@pytest.mark.django_db
def test_anonymous_callers_are_refused_everywhere() -> None:
    endpoints = [e for e in ENDPOINTS if not (e[2] is AuthTokenApi and e[0] == "POST")]
    assert refused(APIClient(), endpoints, 401) == []
    response = call(APIClient(), "PATCH", "/api/trainers/" + SAMPLES["uuid"] + "/")
    assert response["WWW-Authenticate"] == "Token"
    print(f"\n/api/: {len(endpoints)} endpoint methods refuse anonymous callers (401)")


@pytest.mark.django_db
def test_staff_without_the_model_permission_get_403_everywhere() -> None:
    staff = make_user()  # is_staff, no permission at all
    assert refused(token_client(staff), MODEL_ENDPOINTS, 403) == []


@pytest.mark.django_db
def test_session_writes_without_csrf_get_403_everywhere() -> None:
    superuser = User.objects.create_superuser("boss", "boss@gym.example.com", "a-long-password-1")
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(superuser)
    unsafe = [
        e for e in ENDPOINTS if e[0] in UNSAFE and not (e[2] is AuthTokenApi and e[0] == "POST")
    ]
    assert refused(client, unsafe, 403) == []
    assert "CSRF" in call(client, "POST", "/api/trainers/").json()["detail"]


# /ops/ (django-ninja) ----------------------------------------------------------------------


def ops_operations(admin_client: Client) -> list[tuple[str, str]]:
    schema = admin_client.get("/ops/openapi.json")
    assert schema.status_code == 200, "the ops API publishes no OpenAPI document"
    operations = []
    for path, item in schema.json()["paths"].items():
        for method, operation in item.items():
            if method.upper() not in {"GET", *UNSAFE}:
                continue
            concrete = path
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    kind = parameter["schema"].get("format") or parameter["schema"].get("type")
                    value = SAMPLES["uuid"] if kind == "uuid" else "1"
                    concrete = concrete.replace("{" + parameter["name"] + "}", value)
            operations.append((method.upper(), concrete))
    return operations


def test_every_ops_endpoint_refuses_anonymous_callers(admin_client: Client) -> None:
    operations = ops_operations(admin_client)
    assert operations, "no /ops/ operations found"
    anonymous = Client()
    for method, path in operations:
        response = getattr(anonymous, method.lower())(path)
        assert response.status_code in {401, 403}, (method, path, response.status_code)
    # The schema and docs themselves are for staff only.
    assert anonymous.get("/ops/openapi.json").status_code != 200
    print(f"\n/ops/: {len(operations)} operations refuse anonymous callers")


@pytest.mark.django_db
def test_every_ops_endpoint_refuses_staff_without_permission(admin_client: Client) -> None:
    operations = ops_operations(admin_client)
    client = token_client(make_user())
    for method, path in operations:
        response = getattr(client, method.lower())(path)
        assert response.status_code == 403, (method, path, response.status_code)
