"""The request parsers: JSON, bounded in size and depth; CSV (the import) bounded in size."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.exceptions import APIException, ParseError
from rest_framework.parsers import BaseParser, JSONParser


class PayloadTooLarge(APIException):
    status_code = 413
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class BoundedJSONParser(JSONParser):
    """JSON with ``DATA_UPLOAD_MAX_MEMORY_SIZE`` enforced and deep nesting refused.

    DRF reads the body straight from the stream, past Django's size check, and
    ``json`` raises RecursionError (not ValueError) on very deep nesting.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        meta = getattr(request, "META", {})
        try:
            declared = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if limit is not None and declared > limit:
            raise PayloadTooLarge(f"The request body exceeds {limit} bytes.")
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deeply.") from exc


class CsvParser(BaseParser):
    """``text/csv``: the body as bytes, within ``DATA_UPLOAD_MAX_MEMORY_SIZE``."""

    media_type = "text/csv"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1 if limit is not None else -1) if stream is not None else b""
        if limit is not None and len(body) > limit:
            raise PayloadTooLarge(f"The request body exceeds {limit} bytes.")
        return body
