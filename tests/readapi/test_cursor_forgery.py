"""Cursors are signed: a forged, tampered or re-fingerprinted one is a 422, never a 500."""

from __future__ import annotations

import base64
import hashlib
import zlib
from uuid import uuid4

import orjson
import pytest
from fastapi.testclient import TestClient

from readapi import cursor
from tests.readapi.conftest import Gym

# The filters of `?q=anna` in the order readapi/handlers/search.py fingerprints them.
ANNA: tuple[object, ...] = (None, [], None, None, None, ["anna"])
OUT_OF_RANGE = [
    "1e39",
    "3.4028236e38",
    "1e-46",
    "1e400",
    "1_0",
    "1e-50",
    "nan",
    "inf",
    "-1e39",
    " 1",
    "0x10",
    "",
]


def unsigned(payload: object) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(payload)).rstrip(b"=").decode()


def assert_malformed(client: TestClient, query: str) -> None:
    response = client.get(f"/query/trainers?{query}")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["field"] == "cursor"
    assert "malformed" in error["message"]


@pytest.mark.parametrize("rank", OUT_OF_RANGE)
def test_a_hand_made_cursor_with_a_crc32_fingerprint_is_refused(
    app_client: TestClient, gym: Gym, rank: str
) -> None:
    """The old cursor's unkeyed fingerprint could be recomputed by anyone (issue 17, finding 3)."""
    fp = format(zlib.crc32(repr(ANNA).encode()), "08x")
    forged = unsigned({"o": "rank", "k": rank, "i": str(str(uuid4())), "f": fp})
    assert_malformed(app_client, f"q=anna&cursor={forged}")


@pytest.mark.parametrize("rank", OUT_OF_RANGE)
def test_a_signed_cursor_out_of_range_is_refused(
    app_client: TestClient, gym: Gym, rank: str
) -> None:
    """Even a correctly signed cursor (a leaked key, a bug) never reaches SQL out of range."""
    signed = cursor.encode(cursor.Position("rank", rank, str(uuid4())), cursor.fingerprint(*ANNA))
    assert_malformed(app_client, f"q=anna&cursor={signed}")


def test_a_signed_cursor_in_range_pages(app_client: TestClient, gym: Gym) -> None:
    signed = cursor.encode(cursor.Position("rank", "0.5", str(uuid4())), cursor.fingerprint(*ANNA))
    response = app_client.get(f"/query/trainers?q=anna&cursor={signed}")
    assert response.status_code == 200, response.text


def test_a_tampered_cursor_is_refused(app_client: TestClient, gym: Gym) -> None:
    real = app_client.get("/query/trainers?limit=1").json()["next_cursor"]
    raw = bytearray(base64.urlsafe_b64decode(real + "=" * (-len(real) % 4)))
    for at in (0, cursor.TAG_BYTES + 2, len(raw) - 3):
        tampered = raw.copy()
        tampered[at] ^= 1
        text = base64.urlsafe_b64encode(bytes(tampered)).rstrip(b"=").decode()
        assert_malformed(app_client, f"limit=1&cursor={text}")


def test_a_cursor_re_signed_for_another_query_needs_the_key(
    app_client: TestClient, gym: Gym, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cursor made with any other key (here: one derived from a guessed secret) is refused."""
    guessed = hashlib.sha256(b"trainer-profiles/cursor:guessed").digest()
    monkeypatch.setattr(cursor, "_key", lambda: guessed)
    forged = cursor.encode(
        cursor.Position("name", "a", str(uuid4())), cursor.fingerprint(*ANNA[:5])
    )
    monkeypatch.undo()
    assert_malformed(app_client, f"limit=1&cursor={forged}")


def test_every_rank_postgres_prints_is_in_range() -> None:
    for text in ("0", "1", "0.0607927", "1e-05", "1.234567e+06", "3.4028235e+38", "1e-45"):
        assert cursor.in_range("rank", text), text
