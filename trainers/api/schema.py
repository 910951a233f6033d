"""OpenAPI generation: nested ``InputSerializer`` classes get their view's name.

Times and optional URLs are declared as they are served (schemathesis checks it).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$"


class CommandApiSchema(AutoSchema):
    def get_serializer_name(self, serializer: Any, direction: Any) -> str:
        # TrainerRegisterApi.InputSerializer -> TrainerRegisterInput
        qualname = type(serializer).__qualname__
        if "." in qualname:
            owner, name = qualname.rsplit(".", 1)
            return owner.removesuffix("Api") + name.removesuffix("Serializer")
        return str(super().get_serializer_name(serializer, direction))

    def _map_serializer_field(
        self, field: Any, direction: Any, bypass_extensions: bool = False
    ) -> Any:
        # OpenAPI's ``format: time`` is RFC 3339's full-time, which demands a UTC offset;
        # class times are wall-clock times at the branch ("07:00", "07:00:00").
        if isinstance(field, serializers.TimeField):
            schema: dict[str, Any] = {"type": "string", "pattern": TIME_PATTERN, "example": "07:00"}
            if field.read_only:
                schema["readOnly"] = True
            return schema
        schema = super()._map_serializer_field(field, direction, bypass_extensions)  # type: ignore[no-untyped-call]
        if isinstance(field, serializers.URLField) and (field.allow_blank or field.read_only):
            # An optional URL is "" when unset, which ``format: uri`` alone refuses. No
            # top-level type: drf-spectacular would add ``format: uri`` back from the validators.
            url = {k: schema.pop(k) for k in ("type", "format", "maxLength") if k in schema}
            schema["anyOf"] = [url, {"type": "string", "maxLength": 0}]
        return schema
