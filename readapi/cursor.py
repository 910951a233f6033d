"""Opaque keyset cursors: where the last page ended, signed and bound to its query.

A cursor is base64url of a 16-byte HMAC-SHA256 tag followed by the JSON of the sort
order and the last row's sort key and id. The tag is keyed with ``SECRET_KEY``
(config/secret.py) and covers the payload and a fingerprint of the query's filters,
and it is checked in constant time: a cursor from another query, a hand-made or a
tampered one is rejected as malformed rather than paging something else. The values
are range-checked even so (a rank must be a finite ``real``), so that no cursor,
whatever its origin, reaches the database with a value it cannot take.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
from dataclasses import dataclass
from functools import cache
from typing import Literal
from uuid import UUID

import orjson

from config.secret import secret_key
from readapi.queries import InvalidQuery

MAX_LENGTH = 400
TAG_BYTES = 16
Order = Literal["name", "rank"]

# A rank as PostgreSQL prints a ``real`` (shortest exact form); its value must also be
# one a real can hold: "1e39", "1e400", "1_0", "1e-50", "nan" are refused.
RANK = re.compile(r"-?[0-9]{1,39}(\.[0-9]{1,39})?(e[-+]?[0-9]{1,2})?")


@dataclass(frozen=True, slots=True)
class Position:
    order: Order
    key: str
    id: UUID


def fingerprint(*parts: object) -> str:
    """The query a cursor belongs to: every filter, in order."""
    return repr(parts)


@cache
def _key(secret: str) -> bytes:
    return hashlib.sha256(b"trainer-profiles/cursor:" + secret.encode()).digest()


def _tag(payload: bytes, fp: str) -> bytes:
    message = fp.encode("utf-8", "backslashreplace") + b"\x00" + payload
    return hmac.new(_key(secret_key()), message, hashlib.sha256).digest()[:TAG_BYTES]


def encode(position: Position, fp: str) -> str:
    payload = orjson.dumps({"o": position.order, "k": position.key, "i": str(position.id)})
    return base64.urlsafe_b64encode(_tag(payload, fp) + payload).rstrip(b"=").decode()


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
    invalid = InvalidQuery("cursor", "The cursor is malformed or belongs to another query.")
    if len(cursor) > MAX_LENGTH:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError) as exc:
        raise invalid from exc
    tag, payload = raw[:TAG_BYTES], raw[TAG_BYTES:]
    if not hmac.compare_digest(tag, _tag(payload, fp)):
        raise invalid
    try:
        data = orjson.loads(payload)
        if not isinstance(data, dict) or set(data) != {"o", "k", "i"}:
            raise invalid
        key, id_ = data["k"], UUID(data["i"])
    except (ValueError, TypeError, AttributeError) as exc:
        raise invalid from exc
    if data["o"] != order or not isinstance(key, str) or not in_range(order, key):
        raise invalid
    return Position(order, key, id_)
