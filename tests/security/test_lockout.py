"""Password guessing is limited per client address, and made-up addresses do not dodge it.

Issue 17, finding 1: 40 wrong passwords with 40 made-up ``X-Forwarded-For`` addresses all
got 400, and the admin login had no limit at all.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from tests.api.conftest import PASSWORD, make_user

LIMIT = 5


@pytest.fixture
def editor(db: None) -> User:
    # From no recorded failure: a live server of another test commits its own to the
    # test database, outside any test's transaction.
    from axes.models import AccessAttempt

    AccessAttempt.objects.all().delete()
    return make_user("view_branch", username="editor")


def token_attempt(client: APIClient, password: str, spoof: int = 0) -> Any:
    return client.post(
        "/api/auth/token/",
        {"username": "editor", "password": password},
        format="json",
        HTTP_X_FORWARDED_FOR=f"198.51.100.{spoof}",
    )


def admin_attempt(client: Client, password: str, spoof: int = 0) -> Any:
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": "editor", "password": password},
        HTTP_X_FORWARDED_FOR=f"198.51.100.{spoof}",
    )


def test_the_token_endpoint_locks_an_address_out(editor: User) -> None:
    client = APIClient()
    for i in range(LIMIT - 1):
        assert token_attempt(client, "wrong", spoof=i).status_code == 400
    locked = token_attempt(client, "wrong", spoof=99)
    assert locked.status_code == 429
    assert locked["Content-Type"] == "application/problem+json"
    body = locked.json()
    assert body["code"] == "locked_out"
    assert "Too many failed logins" in body["detail"] and "staff" in body["detail"]
    assert int(locked["Retry-After"]) == 15 * 60
    # The right password does not help while locked, from any made-up address.
    assert token_attempt(client, PASSWORD, spoof=7).status_code == 429


def test_the_admin_login_locks_an_address_out(editor: User) -> None:
    client = Client()
    for i in range(LIMIT - 1):
        assert admin_attempt(client, "wrong", spoof=i).status_code == 200  # the form again
    locked = admin_attempt(client, "wrong", spoof=98)
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert locked["Retry-After"]
    assert admin_attempt(client, PASSWORD, spoof=3).status_code == 429


def test_another_address_is_not_locked(editor: User) -> None:
    for _ in range(LIMIT):
        token_attempt(APIClient(REMOTE_ADDR="192.0.2.1"), "wrong")
    assert token_attempt(APIClient(REMOTE_ADDR="192.0.2.1"), PASSWORD).status_code == 429
    assert token_attempt(APIClient(REMOTE_ADDR="192.0.2.2"), PASSWORD).status_code == 200


def test_staff_can_unlock_an_address(editor: User, admin_client: Client) -> None:
    client = APIClient()
    for _ in range(LIMIT):
        token_attempt(client, "wrong")
    assert token_attempt(client, PASSWORD).status_code == 429
    # In the admin: the address's access attempts, deleted.
    from axes.models import AccessAttempt

    attempt = AccessAttempt.objects.get()
    assert attempt.ip_address == "127.0.0.1"
    page = admin_client.get("/admin/axes/accessattempt/")
    assert page.status_code == 200 and "127.0.0.1" in page.content.decode()
    response = admin_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert token_attempt(client, PASSWORD).status_code == 200
    # Or from the shell.
    for _ in range(LIMIT):
        token_attempt(client, "wrong")
    assert token_attempt(client, PASSWORD).status_code == 429
    call_command("axes_reset_ip", "127.0.0.1", verbosity=0)
    assert token_attempt(client, PASSWORD).status_code == 200


def test_behind_one_proxy_the_proxys_hop_is_the_client(
    editor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config import clientip

    monkeypatch.setattr(clientip, "NUM_PROXIES", 1)
    client = APIClient(REMOTE_ADDR="10.0.0.1")
    for i in range(LIMIT):
        # The client writes a fresh address each time; the proxy appends the real one.
        client.post(
            "/api/auth/token/",
            {"username": "editor", "password": "wrong"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{i}, 203.0.113.5",
        )
    from axes.models import AccessAttempt

    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["203.0.113.5"]
