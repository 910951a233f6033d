"""X-Request-ID on every response, from the client when sane, generated otherwise."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.mark.parametrize("path", ["/query/branches", "/healthz", "/api/trainers/", "/nowhere"])
def test_every_response_has_a_generated_request_id(app_client: TestClient, path: str) -> None:
    first = app_client.get(path).headers["x-request-id"]
    second = app_client.get(path).headers["x-request-id"]
    assert GENERATED.fullmatch(first) and GENERATED.fullmatch(second)
    assert first != second


@pytest.mark.parametrize("path", ["/query/branches", "/healthz"])
def test_a_sane_incoming_request_id_is_kept(app_client: TestClient, path: str) -> None:
    response = app_client.get(path, headers={"X-Request-ID": "lb-4f2a:9b/1"})
    assert response.headers.get_list("x-request-id") == ["lb-4f2a:9b/1"]


@pytest.mark.parametrize("value", ["has spaces", "x" * 129, "new\u00e9", "<script>"])
def test_an_insane_incoming_request_id_is_replaced(app_client: TestClient, value: str) -> None:
    headers = [(b"x-request-id", value.encode())]
    response = app_client.get("/query/branches", headers=headers)
    assert GENERATED.fullmatch(response.headers["x-request-id"])
