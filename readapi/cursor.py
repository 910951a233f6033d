"""Opaque keyset cursors: where the last page ended, bound to the query that produced it.

A cursor is base64url(JSON) of the sort order, the last row's sort key and id,
and a fingerprint of the filters; a cursor from another query, or a hand-made
one, is rejected rather than silently paging something else.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

import orjson

from readapi.queries import InvalidQuery

MAX_LENGTH = 400
Order = Literal["name", "rank"]


@dataclass(frozen=True, slots=True)
class Position:
    order: Order
    key: str
    id: UUID


def fingerprint(*parts: object) -> str:
    return format(zlib.crc32(repr(parts).encode()), "08x")


def encode(position: Position, fp: str) -> str:
    raw = orjson.dumps({"o": position.order, "k": position.key, "i": str(position.id), "f": fp})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(cursor: str, order: Order, fp: str) -> Position:
    invalid = InvalidQuery("cursor", "The cursor is malformed or belongs to another query.")
    if len(cursor) > MAX_LENGTH:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = orjson.loads(raw)
        if not isinstance(data, dict) or set(data) != {"o", "k", "i", "f"}:
            raise invalid
        key, id_ = data["k"], UUID(data["i"])
    except (binascii.Error, ValueError, TypeError, AttributeError) as exc:
        raise invalid from exc
    if data["o"] != order or data["f"] != fp or not isinstance(key, str) or "\x00" in key:
        raise invalid
    if order == "rank":
        try:
            float(key)
        except ValueError as exc:
            raise invalid from exc
    return Position(order, key, id_)
