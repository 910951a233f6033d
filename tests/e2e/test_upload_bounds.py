"""A phone photo larger than the 1 MiB body limit still uploads through the bounded
server (multipart bodies may carry PHOTO_MAX_BYTES); past that, 413 before it is read."""

from __future__ import annotations

import io
import socket
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from django.contrib.auth.models import User
from django.db import connections
from PIL import Image
from rest_framework.authtoken.models import Token

from config.server import MAX_BODY_BYTES, MAX_UPLOAD_BYTES
from tests.factories import make_trainer
from tests.server import start_server

pytestmark = pytest.mark.e2e


def big_jpeg() -> bytes:
    image = Image.merge("RGB", [Image.effect_noise((1600, 1200), 120) for _ in range(3)])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


def test_a_photo_over_the_plain_body_limit_uploads(transactional_db: None, tmp_path: Path) -> None:
    server = start_server(
        connections["default"].settings_dict, env={"MEDIA_ROOT": str(tmp_path / "media")}
    )
    try:
        upload_and_refuse(server.url)
    finally:
        server.stop()


def upload_and_refuse(url: str) -> None:
    trainer = make_trainer()
    boss = User.objects.create_superuser("boss", "boss@gym.test", "a-long-pass-42")
    token = Token.objects.create(user=boss).key
    body = big_jpeg()
    assert MAX_BODY_BYTES < len(body) < MAX_UPLOAD_BYTES
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Token {token}"}, timeout=30
    ) as http:
        uploaded = http.put(
            f"/api/trainers/{trainer.pk}/photo/",
            files={"photo": ("phone.jpg", body, "image/jpeg")},
        )
        assert uploaded.status_code == 200, uploaded.text
        assert uploaded.json()["photo"] is not None

    # Past the upload limit: refused from its Content-Length, before any body is sent.
    address = urlsplit(url)
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        sock.sendall(
            f"PUT /api/trainers/{trainer.pk}/photo/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Token {token}\r\n"
            "Content-Type: multipart/form-data; boundary=b\r\n"
            f"Content-Length: {MAX_UPLOAD_BYTES + 1}\r\n\r\n".encode()
        )
        assert sock.recv(64).startswith(b"HTTP/1.1 413")
