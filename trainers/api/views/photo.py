"""A trainer's photo: upload it (multipart/form-data, field ``photo``) or remove it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from trainers import errors
from trainers.api.conditional import expected_version
from trainers.api.serializers import StrictInput, TrainerOutput
from trainers.api.views.base import IF_MATCH, actor, parse, problems, render
from trainers.commands import TrainerRemovePhoto, TrainerSetPhoto
from trainers.handlers import trainer_remove_photo, trainer_set_photo
from trainers.models import Trainer

# Room for the multipart envelope around a photo of the largest accepted size.
_ENVELOPE = 64 * 1024


class PhotoParser(MultiPartParser):
    """Multipart, refused from its declared length before an oversized body is parsed."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        meta = getattr((parser_context or {}).get("request"), "META", {})
        try:
            declared = int(meta.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.PHOTO_MAX_BYTES + _ENVELOPE:
            raise errors.PhotoTooLarge(settings.PHOTO_MAX_BYTES)
        return super().parse(stream, media_type, parser_context)


@extend_schema_field({"type": "string", "format": "binary"})
class UploadField(serializers.FileField):
    """A file part of a multipart body (OpenAPI: binary, not a URI)."""


class TrainerPhotoApi(APIView):
    """Set a trainer's photo from an upload; remove it."""

    permission_model = Trainer
    permission_actions = {"PUT": "change", "DELETE": "change"}
    parser_classes = [PhotoParser]

    class InputSerializer(StrictInput):
        """The image, as the multipart/form-data field ``photo``."""

        photo = UploadField(
            help_text="A JPEG, PNG or WebP image (still, not animated). Its content decides "
            "its type, not its name. Renditions are made at upload: WebP at 160, 320, 640 "
            "and 1024 pixels wide (never wider than the original) and a JPEG at the largest; "
            "metadata (EXIF, GPS, camera) is removed."
        )

    @extend_schema(
        request={"multipart/form-data": InputSerializer},
        responses={200: TrainerOutput, **problems(400, 401, 403, 404, 412, 413, 415)},
        parameters=[IF_MATCH],
    )
    def put(self, request: Request, trainer_id: UUID) -> Response:
        """Upload the photo; the previous one's files are deleted once the change commits."""
        upload = parse(self.InputSerializer, request)["photo"]
        command = TrainerSetPhoto(
            trainer_id=trainer_id,
            content=upload.read(settings.PHOTO_MAX_BYTES + 1),
            expected_version=expected_version(request),
        )
        return render(TrainerOutput, trainer_set_photo(command, actor=actor(request)))

    @extend_schema(request=None, responses={204: None, **problems(401, 403, 404, 412)})
    def delete(self, request: Request, trainer_id: UUID) -> Response:
        """Remove the photo (the pasted photo_url, if any, stays)."""
        command = TrainerRemovePhoto(
            trainer_id=trainer_id, expected_version=expected_version(request)
        )
        trainer_remove_photo(command, actor=actor(request))
        return Response(status=204)
