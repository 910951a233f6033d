"""The catalog trainers refer to: branches and specialties, addressed by slug."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from trainers import errors
from trainers.api.conditional import expected_version
from trainers.api.idempotency import idempotent
from trainers.api.serializers import BranchOutput, PatchInput, SpecialtyOutput, StrictInput
from trainers.api.views.base import (
    IDEMPOTENCY_KEY,
    IF_MATCH,
    WRITE_PROBLEMS,
    actor,
    parse,
    problems,
    render,
)
from trainers.commands import BranchCreate, BranchUpdate, SpecialtyCreate, SpecialtyUpdate
from trainers.handlers import branch_create, branch_update, specialty_create, specialty_update
from trainers.models import Branch, Specialty


class BranchCreateApi(APIView):
    """Open a branch."""

    permission_model = Branch

    class InputSerializer(StrictInput):
        slug = serializers.SlugField(max_length=80)
        name = serializers.CharField(max_length=120)
        city = serializers.CharField(max_length=120)
        timezone = serializers.CharField(max_length=64, required=False, help_text="IANA name.")

    @extend_schema(
        request=InputSerializer,
        responses={201: BranchOutput, **problems(*WRITE_PROBLEMS, 409, 422)},
        parameters=[IDEMPOTENCY_KEY],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        branch = branch_create(
            BranchCreate(**parse(self.InputSerializer, request)), actor=actor(request)
        )
        location = f"/api/branches/{branch.slug}/"
        return render(BranchOutput, branch, version=branch.version, status=201, location=location)


class BranchDetailApi(APIView):
    """Read or change a branch (its slug is its identity and does not change)."""

    permission_model = Branch

    class InputSerializer(PatchInput):
        name = serializers.CharField(max_length=120, required=False)
        city = serializers.CharField(max_length=120, required=False)
        timezone = serializers.CharField(max_length=64, required=False)

    @extend_schema(responses={200: BranchOutput, **problems(401, 403, 404)})
    def get(self, request: Request, slug: str) -> Response:
        """Read a branch with its version as ETag."""
        branch = _get(Branch, "Branch", slug)
        return render(BranchOutput, branch, version=branch.version)

    @extend_schema(
        request=InputSerializer,
        responses={200: BranchOutput, **problems(*WRITE_PROBLEMS, 404, 412)},
        parameters=[IF_MATCH],
    )
    def patch(self, request: Request, slug: str) -> Response:
        """Rename a branch, move it to another city or time zone."""
        command = BranchUpdate(
            slug=slug,
            expected_version=expected_version(request),
            **parse(self.InputSerializer, request, partial=True),
        )
        branch = branch_update(command, actor=actor(request))
        return render(BranchOutput, branch, version=branch.version)


class SpecialtyCreateApi(APIView):
    """Add a specialty trainers can have."""

    permission_model = Specialty

    class InputSerializer(StrictInput):
        slug = serializers.SlugField(max_length=80)
        name = serializers.CharField(max_length=120)
        description = serializers.CharField(max_length=4000, required=False, allow_blank=True)

    @extend_schema(
        request=InputSerializer,
        responses={201: SpecialtyOutput, **problems(*WRITE_PROBLEMS, 409, 422)},
        parameters=[IDEMPOTENCY_KEY],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        specialty = specialty_create(
            SpecialtyCreate(**parse(self.InputSerializer, request)), actor=actor(request)
        )
        location = f"/api/specialties/{specialty.slug}/"
        return render(
            SpecialtyOutput, specialty, version=specialty.version, status=201, location=location
        )


class SpecialtyDetailApi(APIView):
    """Read or change a specialty (its slug is its identity and does not change)."""

    permission_model = Specialty

    class InputSerializer(PatchInput):
        name = serializers.CharField(max_length=120, required=False)
        description = serializers.CharField(max_length=4000, required=False, allow_blank=True)

    @extend_schema(responses={200: SpecialtyOutput, **problems(401, 403, 404)})
    def get(self, request: Request, slug: str) -> Response:
        """Read a specialty with its version as ETag."""
        specialty = _get(Specialty, "Specialty", slug)
        return render(SpecialtyOutput, specialty, version=specialty.version)

    @extend_schema(
        request=InputSerializer,
        responses={200: SpecialtyOutput, **problems(*WRITE_PROBLEMS, 404, 409, 412)},
        parameters=[IF_MATCH],
    )
    def patch(self, request: Request, slug: str) -> Response:
        """Rename a specialty or change its description."""
        command = SpecialtyUpdate(
            slug=slug,
            expected_version=expected_version(request),
            **parse(self.InputSerializer, request, partial=True),
        )
        specialty = specialty_update(command, actor=actor(request))
        return render(SpecialtyOutput, specialty, version=specialty.version)


def _get(model: type[Branch] | type[Specialty], entity: str, slug: str) -> Branch | Specialty:
    try:
        return model.objects.get(slug=slug)
    except model.DoesNotExist as exc:
        raise errors.NotFound(entity, slug) from exc
