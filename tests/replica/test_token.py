"""The consistency token: handed out by successful commands, checked by the query side."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from fastapi.testclient import TestClient
from rest_framework.test import APIClient

from config import lsn
from tests.api.conftest import token_client


@pytest.fixture
def api(db: None) -> APIClient:
    return token_client(User.objects.create_superuser("boss", password="a-long-test-password-42"))


def test_a_successful_command_carries_the_wal_position_after_its_commit(api: APIClient) -> None:
    response = api.post(
        "/api/branches/", {"slug": "north", "name": "North", "city": "Porto"}, format="json"
    )
    assert response.status_code == 201
    token = response[lsn.HEADER]
    position = lsn.parse(token)
    assert position is not None and lsn.format_lsn(position) == token


def test_reads_and_failed_commands_carry_no_token(api: APIClient) -> None:
    assert lsn.HEADER not in api.get("/api/branches/nowhere/")
    failed = api.post("/api/branches/", {"slug": "Not A Slug"}, format="json")
    assert failed.status_code == 400
    assert lsn.HEADER not in failed


@pytest.mark.parametrize(
    ("token", "position"),
    [("0/0", 0), ("16/B374D848", (0x16 << 32) | 0xB374D848), (" a/1 ", (0xA << 32) | 1)],
)
def test_tokens_parse_as_lsns(token: str, position: int) -> None:
    assert lsn.parse(token) == position


@pytest.mark.parametrize("token", ["", "0", "0/", "/0", "G/0", "123456789/0", "0/0/0", "1.5"])
def test_malformed_tokens_do_not_parse(token: str) -> None:
    assert lsn.parse(token) is None


def test_on_the_primary_a_token_it_handed_out_is_already_satisfied(
    app_client: TestClient,
) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        (current,) = cursor.fetchone()
    for token in (current, "0/0"):
        response = app_client.get("/query/branches", headers={lsn.HEADER: token})
        assert response.status_code == 200, response.text


@pytest.mark.parametrize("token", ["FFFFFFFF/FFFFFFFF", "FFFFFF/0"])
def test_a_token_beyond_the_primarys_position_is_422(app_client: TestClient, token: str) -> None:
    """Issue 17, finding 4: a made-up token made a replica deployment poll for 2 s."""
    for response in (
        app_client.get("/query/branches", headers={lsn.HEADER: token}),
        app_client.get(f"/query/trainers?{lsn.QUERY_PARAM}={token}"),
    ):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        [error] = response.json()["errors"]
        assert error["field"] == lsn.QUERY_PARAM
        assert "ahead of the database" in error["message"]


def test_a_malformed_token_is_422(app_client: TestClient) -> None:
    for response, field in (
        (app_client.get("/query/branches", headers={lsn.HEADER: "yesterday"}), lsn.HEADER),
        (app_client.get(f"/query/branches?{lsn.QUERY_PARAM}=nope"), lsn.QUERY_PARAM),
    ):
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field
