"""Photos in an S3-compatible bucket (django-storages) served by a real moto server on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any, cast

import httpx
import pytest
from django.core.files.storage import storages
from django.db import transaction

from tests.images import photo
from trainers import commands as c
from trainers import errors
from trainers.handlers import (
    certification_add,
    trainer_delete,
    trainer_remove_photo,
    trainer_set_photo,
)
from trainers.models import Trainer

pytestmark = pytest.mark.django_db
BUCKET = "trainer-photos"
KEYS = {"access_key": "test-access", "secret_key": "test-secret", "region_name": "us-east-1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """``moto.server`` in a subprocess on 127.0.0.1, stopped by its PID."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "MOTO_ALLOW_NONEXISTENT_REGION": "true"},
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(endpoint, timeout=1)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the moto server did not start") from None
                time.sleep(0.1)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def bucket(s3_endpoint: str, settings: Any) -> Any:
    """An empty bucket, and the default storage pointing at it (its client, to look inside)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **KEYS,
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "querystring_auth": False,
                "default_acl": "public-read",
                "file_overwrite": True,
                "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
            },
        },
    }
    client = cast(Any, storages["default"]).connection.meta.client
    client.create_bucket(Bucket=BUCKET)
    for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        client.delete_object(Bucket=BUCKET, Key=item["Key"])
    return client


def keys(client: Any) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_renditions_are_public_objects_cached_forever(bucket: Any, trainer: Trainer) -> None:
    updated = trainer_set_photo(c.TrainerSetPhoto(trainer.pk, photo(700, 500)))
    assert updated.photo is not None
    assert keys(bucket) == set(updated.photo["files"])
    response = httpx.get(updated.photo["renditions"][0]["url"])
    assert response.status_code == 200 and response.content[8:12] == b"WEBP"
    assert response.headers["content-type"] == "image/webp"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert updated.photo["url"].startswith("http://127.0.0.1:")
    assert httpx.get(updated.photo["url"]).headers["content-type"] == "image/jpeg"


def test_replace_deletes_old_objects_and_rollback_leaves_none(
    bucket: Any, trainer: Trainer, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        trainer_set_photo(c.TrainerSetPhoto(trainer.pk, photo(300, 200)))
        second = trainer_set_photo(c.TrainerSetPhoto(trainer.pk, photo(300, 210)))
    assert second.photo is not None and keys(bucket) == set(second.photo["files"])
    with pytest.raises(errors.InvalidInput), transaction.atomic():
        trainer_set_photo(c.TrainerSetPhoto(trainer.pk, photo(300, 220)))
        certification_add(
            c.CertificationAdd(trainer.pk, "X", "Y", trainer.hired_on, trainer.hired_on)
        )
    assert keys(bucket) == set(second.photo["files"])


def test_remove_and_delete_leave_no_object(
    bucket: Any, trainer: Trainer, other_trainer: Trainer, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        trainer_set_photo(c.TrainerSetPhoto(trainer.pk, photo(300, 200)))
        kept = trainer_set_photo(c.TrainerSetPhoto(other_trainer.pk, photo(300, 230)))
        trainer_remove_photo(c.TrainerRemovePhoto(trainer.pk))
    assert kept.photo is not None and keys(bucket) == set(kept.photo["files"])
    with django_capture_on_commit_callbacks(execute=True):
        trainer_delete(c.TrainerDelete(other_trainer.pk))
    assert keys(bucket) == set()
