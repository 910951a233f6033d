"""Opaque keyset cursors: where the last page ended, signed and bound to its query.

A cursor is base64url of a 16-byte HMAC-SHA256 tag followed by the JSON of where the
page ended: for trainers the sort order and the last row's sort key and id
(``Position``), for the timetable the last class's weekday, start time and id
(``Slot``). The tag is keyed with ``SECRET_KEY`` (config/secret.py) and covers the
payload and a fingerprint of the query's filters, and it is checked in constant time:
a cursor from another query, a hand-made or a tampered one is rejected as malformed
rather than paging something else. The values are range-checked even so (a rank must
be a finite ``real``, a weekday 1-7, an id a ``bigint``), so that no cursor, whatever
its origin, reaches the database with a value it cannot take.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass
from datetime import time
from functools import cache
from typing import Literal
from uuid import UUID

import orjson

from config.secret import secret_key
from readapi.queries import InvalidQuery

MAX_LENGTH = 400
TAG_BYTES = 16
Order = Literal["name", "rank"]
POSITION_FIELDS = frozenset({"o", "k", "i"})
SLOT_FIELDS = frozenset({"w", "s", "i"})
BIGINT_MAX = 2**63 - 1
START_TIME = re.compile(r"[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?")
# A UUID as PostgreSQL prints it (``uuid::text``): what an id in a cursor looks like.
CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# A rank as PostgreSQL prints a ``real`` (shortest exact form); its value must also be
# one a real can hold: "1e39", "1e400", "1_0", "1e-50", "nan" are refused.
RANK = re.compile(r"-?[0-9]{1,39}(\.[0-9]{1,39})?(e[-+]?[0-9]{1,2})?")


@dataclass(frozen=True, slots=True)
class Position:
    """``id``: the last row's id in canonical text (``uuid::text``), as it is sent to and
    read from PostgreSQL: no ``UUID`` object is made and printed again on every page."""

    order: Order
    key: str
    id: str


def fingerprint(*parts: object) -> str:
    """The query a cursor belongs to: every filter, in order."""
    return repr(parts)


@cache
def _key() -> bytes:
    """The tags' key, from ``SECRET_KEY`` as the process started with it (read once: the
    environment lookup cost as much as the tag's hash)."""
    return hashlib.sha256(b"trainer-profiles/cursor:" + secret_key().encode()).digest()


def _tag(payload: bytes, fp: str) -> bytes:
    message = fp.encode("utf-8", "backslashreplace") + b"\x00" + payload
    # One-shot (OpenSSL's HMAC in one call): the same tag as ``hmac.new(...).digest()``.
    return hmac.digest(_key(), message, "sha256")[:TAG_BYTES]


def sign(data: dict[str, object], fp: str) -> str:
    """``data`` as an opaque cursor, bound to the query of fingerprint ``fp``."""
    payload = orjson.dumps(data)
    return base64.urlsafe_b64encode(_tag(payload, fp) + payload).rstrip(b"=").decode()


def _invalid() -> InvalidQuery:
    return InvalidQuery("cursor", "The cursor is malformed or belongs to another query.")


def verified(cursor: str, fp: str, fields: frozenset[str]) -> dict[str, object]:
    """The data a cursor of the query ``fp`` carries, exactly ``fields``; else 422."""
    if len(cursor) > MAX_LENGTH:
        raise _invalid()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError) as exc:
        raise _invalid() from exc
    tag, payload = raw[:TAG_BYTES], raw[TAG_BYTES:]
    if not hmac.compare_digest(tag, _tag(payload, fp)):
        raise _invalid()
    try:
        data = orjson.loads(payload)
    except ValueError as exc:
        raise _invalid() from exc
    if not isinstance(data, dict) or set(data) != fields:
        raise _invalid()
    return data


def encode(position: Position, fp: str) -> str:
    return sign({"o": position.order, "k": position.key, "i": position.id}, fp)


def in_range(order: Order, key: str) -> bool:
    if "\x00" in key:
        return False
    if order == "name":
        return True
    if not RANK.fullmatch(key):
        return False
    value = float(key)
    try:
        # As PostgreSQL reads a real: too large overflows, too small rounds to zero.
        (single,) = struct.unpack("<f", struct.pack("<f", value))
    except OverflowError:
        return False
    return value == 0 or single != 0


def decode(cursor: str, order: Order, fp: str) -> Position:
    data = verified(cursor, fp, POSITION_FIELDS)
    key, id_ = data["k"], data["i"]
    if isinstance(id_, str) and not CANONICAL_UUID.fullmatch(id_):
        try:  # another form of a UUID (a cursor signed by hand with the key)
            id_ = str(UUID(id_))
        except ValueError as exc:
            raise _invalid() from exc
    if (
        not isinstance(id_, str)
        or data["o"] != order
        or not isinstance(key, str)
        or not in_range(order, key)
    ):
        raise _invalid()
    return Position(order, key, id_)


@dataclass(frozen=True, slots=True)
class Slot:
    """Where a timetable page ended: its last class's weekday, start time and id."""

    weekday: int
    start_time: time
    id: int


def encode_slot(slot: Slot, fp: str) -> str:
    return sign({"w": slot.weekday, "s": slot.start_time.isoformat(), "i": slot.id}, fp)


def decode_slot(cursor: str, fp: str) -> Slot:
    data = verified(cursor, fp, SLOT_FIELDS)
    weekday, start, id_ = data["w"], data["s"], data["i"]
    if not (
        type(weekday) is int
        and 1 <= weekday <= 7
        and type(id_) is int
        and 0 < id_ <= BIGINT_MAX
        and isinstance(start, str)
        and START_TIME.fullmatch(start)
    ):
        raise _invalid()
    try:
        return Slot(weekday, time.fromisoformat(start), id_)
    except ValueError as exc:
        raise _invalid() from exc
