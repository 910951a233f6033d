"""Consistency tokens: a WAL position (LSN) as PostgreSQL prints it, ``16/B374D848``.

Pure Python, shared by the command side (which hands tokens out) and the query
side (which waits for a replica to replay them). See docs/operations.md.
"""

from __future__ import annotations

import re

HEADER = "X-Consistency-Token"
QUERY_PARAM = "consistency_token"

_LSN = re.compile(r"([0-9A-Fa-f]{1,8})/([0-9A-Fa-f]{1,8})")


def parse(token: str) -> int | None:
    """The LSN as one integer, or None when ``token`` is not an LSN."""
    match = _LSN.fullmatch(token.strip())
    if match is None:
        return None
    return (int(match.group(1), 16) << 32) | int(match.group(2), 16)


def format_lsn(position: int) -> str:
    return f"{position >> 32:X}/{position & 0xFFFFFFFF:X}"
