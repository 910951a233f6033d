"""orjson everywhere on the read side: faster than the stdlib, and it returns bytes."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response


def dumps(value: Any) -> bytes:
    return orjson.dumps(value)


class ORJSONBytes(Response):
    """A JSON response whose body is already serialized bytes (often built by PostgreSQL)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        if isinstance(content, bytes | bytearray | memoryview):
            return bytes(content)
        return orjson.dumps(content)
