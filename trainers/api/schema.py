"""OpenAPI generation: nested ``InputSerializer`` classes get their view's name."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema


class CommandApiSchema(AutoSchema):
    def get_serializer_name(self, serializer: Any, direction: Any) -> str:
        # TrainerRegisterApi.InputSerializer -> TrainerRegisterInput
        qualname = type(serializer).__qualname__
        if "." in qualname:
            owner, name = qualname.rsplit(".", 1)
            return owner.removesuffix("Api") + name.removesuffix("Serializer")
        return str(super().get_serializer_name(serializer, direction))
