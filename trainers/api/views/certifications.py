"""A trainer's certifications: part of the trainer aggregate, so they carry its version."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from trainers.api.conditional import expected_version, with_etag
from trainers.api.idempotency import idempotent
from trainers.api.serializers import CertificationChangeOutput, PatchInput, StrictInput
from trainers.api.views.base import (
    IDEMPOTENCY_KEY,
    IF_MATCH,
    WRITE_PROBLEMS,
    actor,
    change,
    parse,
    problems,
    render,
)
from trainers.commands import CertificationAdd, CertificationRemove, CertificationUpdate
from trainers.handlers import certification_add, certification_remove, certification_update
from trainers.models import Certification


class CertificationAddApi(APIView):
    """Add a certification to a trainer; If-Match names the trainer's version."""

    permission_model = Certification

    class InputSerializer(StrictInput):
        name = serializers.CharField(max_length=160)
        issuer = serializers.CharField(max_length=160)
        issued_on = serializers.DateField()
        expires_on = serializers.DateField(required=False, allow_null=True)

    @extend_schema(
        request=InputSerializer,
        responses={201: CertificationChangeOutput, **problems(*WRITE_PROBLEMS, 404, 412, 422)},
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
    )
    @idempotent
    def post(self, request: Request, trainer_id: UUID) -> Response:
        command = CertificationAdd(
            trainer_id=trainer_id,
            expected_version=expected_version(request),
            **parse(self.InputSerializer, request),
        )
        certification = certification_add(command, actor=actor(request))
        return render(
            CertificationChangeOutput,
            certification,
            version=_trainer_version(certification),
            status=201,
            location=f"/api/trainers/{trainer_id}/certifications/{certification.pk}/",
        )


class CertificationDetailApi(APIView):
    """Change or remove one certification; the ETag is the trainer's new version."""

    permission_model = Certification

    class InputSerializer(PatchInput, CertificationAddApi.InputSerializer):
        pass

    @extend_schema(
        request=InputSerializer,
        responses={200: CertificationChangeOutput, **problems(*WRITE_PROBLEMS, 404, 412)},
        parameters=[IF_MATCH],
    )
    def patch(self, request: Request, trainer_id: UUID, certification_id: int) -> Response:
        return change(
            request,
            self.InputSerializer,
            CertificationUpdate,
            certification_update,
            CertificationChangeOutput,
            version_of=_trainer_version,
            trainer_id=trainer_id,
            certification_id=certification_id,
        )

    @extend_schema(request=None, responses={204: None, **problems(401, 403, 404, 412)})
    def delete(self, request: Request, trainer_id: UUID, certification_id: int) -> Response:
        """Remove a certification; the ETag header carries the trainer's new version."""
        command = CertificationRemove(
            trainer_id=trainer_id,
            certification_id=certification_id,
            expected_version=expected_version(request),
        )
        trainer = certification_remove(command, actor=actor(request))
        return with_etag(Response(status=204), trainer.version)


def _trainer_version(certification: Certification) -> int:
    """A certification's change is a change of its trainer: the ETag is the trainer's."""
    return certification.trainer.version
