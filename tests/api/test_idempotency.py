"""Idempotency-Key: a retried POST gets the first response and changes nothing."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from rest_framework.test import APIClient

from tests.api.conftest import token_client, trainer_payload
from trainers.models import Branch, Event, IdempotencyRecord, Trainer


def test_retry_replays_the_first_response(api: APIClient, branch: Branch) -> None:
    payload = trainer_payload()
    first = api.post("/api/trainers/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first

    retry = api.post("/api/trainers/", payload, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert retry.status_code == 201
    assert retry.json() == first.json()
    assert (retry["ETag"], retry["Location"]) == (first["ETag"], first["Location"])
    assert retry["Idempotent-Replayed"] == "true"
    assert Trainer.objects.count() == 1
    assert Event.objects.filter(command="TrainerRegister").count() == 1


def test_state_change_retry_does_not_run_twice(api: APIClient, trainer: Trainer) -> None:
    url = f"/api/trainers/{trainer.pk}/publish/"
    first = api.post(url, HTTP_IDEMPOTENCY_KEY="pub-1")
    retry = api.post(url, HTTP_IDEMPOTENCY_KEY="pub-1")
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json()["version"] == 2
    trainer.refresh_from_db()
    assert trainer.version == 2


def test_same_key_other_body_is_422(api: APIClient, branch: Branch) -> None:
    api.post("/api/trainers/", trainer_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k")
    response = api.post(
        "/api/trainers/", trainer_payload(), format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "idempotency_key_reused"
    assert Trainer.objects.count() == 1


def test_same_key_other_path_is_422(api: APIClient, branch: Branch) -> None:
    body = {"slug": "x", "name": "X"}
    api.post("/api/specialties/", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    response = api.post(
        "/api/branches/", {**body, "city": "Y"}, format="json", HTTP_IDEMPOTENCY_KEY="k"
    )
    assert response.status_code == 422
    assert not Branch.objects.filter(slug="x").exists()


def test_keys_are_per_user(api: APIClient, branch: Branch) -> None:
    other = token_client(User.objects.create_superuser("boss", password="x-long-password-1"))
    body = {"slug": "x", "name": "X"}
    first = api.post("/api/specialties/", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == 201
    response = other.post("/api/specialties/", body, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 409  # ran for real: the slug is taken
    assert "Idempotent-Replayed" not in response


def test_a_failed_request_is_not_kept(api: APIClient, branch: Branch) -> None:
    bad = trainer_payload(branch="nowhere")
    response = api.post("/api/trainers/", bad, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 400
    assert not IdempotencyRecord.objects.exists()
    good = trainer_payload()
    response = api.post("/api/trainers/", good, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 201


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9"])
def test_bad_keys_are_400(api: APIClient, branch: Branch, key: str) -> None:
    response = api.post(
        "/api/trainers/", trainer_payload(), format="json", HTTP_IDEMPOTENCY_KEY=key
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"
    assert not Trainer.objects.exists()


def test_longest_key_is_accepted(api: APIClient, branch: Branch) -> None:
    response = api.post(
        "/api/trainers/", trainer_payload(), format="json", HTTP_IDEMPOTENCY_KEY="x" * 255
    )
    assert response.status_code == 201


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_run_once(editor: User, branch: Branch) -> None:
    """Two requests with one key in flight together: one runs, the other replays it.

    The event table is locked so that the first request stalls inside its
    transaction; the second must then wait on the key, not run the command.
    """
    payload = trainer_payload()
    results: list[Any] = []

    def post() -> None:
        try:
            response = token_client(editor).post(
                "/api/trainers/", payload, format="json", HTTP_IDEMPOTENCY_KEY="race"
            )
            results.append(response)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE trainers_event IN EXCLUSIVE MODE")
        for thread in threads:
            thread.start()
        _wait_for_blocked_backends(2)
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(r.status_code for r in results) == [201, 201]
    assert results[0].json() == results[1].json()
    assert sum(r.has_header("Idempotent-Replayed") for r in results) == 1
    assert Trainer.objects.count() == 1
    assert Event.objects.filter(command="TrainerRegister").count() == 1


def _wait_for_blocked_backends(count: int, timeout: float = 20) -> None:
    # pg_locks, not pg_stat_activity: the latter is a snapshot taken once per transaction.
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0] >= count:
                return
            time.sleep(0.05)
    raise AssertionError(f"{count} requests never blocked")
