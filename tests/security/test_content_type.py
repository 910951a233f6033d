"""A malformed Content-Type is a 400 or 415 on every API, never a 500 (issue 17, item 9).

Every operation that takes a body, on the command and ops APIs, by token and by staff
session (whose CSRF check reads form bodies), and the query API's operations.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import uuid4

import pytest
from django.contrib.auth.models import User
from django.test import Client
from fastapi.testclient import TestClient
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db(transaction=True)

MALFORMED = [
    "multipart/form-data",
    "multipart/form-data; boundary=",
    ";;;",
    "application/json; charset=bogus",
    "application/x-www-form-urlencoded; charset=utf-16",
]
# These start background work whatever the body (their unreadable-body case is checked
# below), or revoke the caller's token.
SKIPPED = {
    ("post", "/ops/read-model/rebuild"),
    ("post", "/ops/read-model/check"),
    ("delete", "/api/auth/token/"),
}
BODY = b"--x\r\nnot a form\r\n"


def operations(client: Any, url: str, headers: dict[str, str]) -> list[tuple[str, str, set[int]]]:
    """Each write operation, its path (unknown ids filled in) and the statuses it may give."""
    schema = client.get(url, headers=headers).json()
    found = []
    for path, items in schema["paths"].items():
        for method in items:
            if method in {"post", "put", "patch", "delete"}:
                concrete = re.sub(r"\{[^}]+\}", str(uuid4()), path)
                # An unknown id may be looked up before the body is read: 404.
                found.append(
                    (method, concrete, {400, 415} | ({404} if concrete != path else set()))
                )
    return found


@pytest.fixture
def root(db: None) -> User:
    return User.objects.create_superuser("root", password="unused-password-1")


@pytest.mark.parametrize("auth", ["token", "session"])
def test_write_operations_answer_4xx_to_a_malformed_content_type(
    app_client: TestClient, root: User, auth: str
) -> None:
    if auth == "token":
        headers = {"Authorization": f"Token {Token.objects.create(user=root).key}"}
    else:
        session = Client()
        session.force_login(root)
        app_client.cookies["sessionid"] = session.cookies["sessionid"].value
        app_client.cookies["csrftoken"] = "c" * 32
        headers = {"X-CSRFToken": "c" * 32}
    found = operations(app_client, "/api/schema/?format=json", headers)
    found += operations(app_client, "/ops/openapi.json", headers)
    assert len(found) > 10
    failures = []
    for method, path, allowed in found:
        if (method, path) in SKIPPED:
            continue
        for content_type in MALFORMED:
            response = app_client.request(
                method, path, content=BODY, headers={**headers, "Content-Type": content_type}
            )
            status = response.status_code
            ok = status in allowed
            if status >= 400:
                ok = ok and response.headers.get("content-type") == "application/problem+json"
            if not ok:
                failures.append((method, path, content_type, response.status_code))
    assert not failures


def test_an_unreadable_body_on_a_session_ops_call_is_400(
    app_client: TestClient, root: User
) -> None:
    """Issue 17: multipart without a boundary made the session's CSRF check a 500."""
    session = Client()
    session.force_login(root)
    app_client.cookies["sessionid"] = session.cookies["sessionid"].value
    app_client.cookies["csrftoken"] = "c" * 32
    for path in ("/ops/read-model/rebuild", "/ops/read-model/check"):
        response = app_client.post(
            path,
            content=BODY,
            headers={"X-CSRFToken": "c" * 32, "Content-Type": "multipart/form-data"},
        )
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == "application/problem+json"


def test_query_operations_ignore_a_malformed_content_type(app_client: TestClient) -> None:
    for path in app_client.get("/query/openapi.json").json()["paths"]:
        if "{" in path or path == "/query/changes":
            continue
        for content_type in MALFORMED:
            response = app_client.request(
                "GET", path, content=BODY, headers={"Content-Type": content_type}
            )
            assert response.status_code < 500, (path, content_type)
