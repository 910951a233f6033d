"""The catalog trainers refer to: branches and specialties, addressed by slug."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from trainers.api.idempotency import idempotent
from trainers.api.serializers import BranchOutput, PatchInput, SpecialtyOutput, StrictInput
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
from trainers.commands import BranchCreate, BranchUpdate, SpecialtyCreate, SpecialtyUpdate
from trainers.handlers import branch_create, branch_update, specialty_create, specialty_update
from trainers.models import Branch, Specialty
from trainers.selectors import branch_get, specialty_get


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
        return render(BranchOutput, branch, status=201, location=f"/api/branches/{branch.slug}/")


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
        return render(BranchOutput, branch_get(slug))

    @extend_schema(
        request=InputSerializer,
        responses={200: BranchOutput, **problems(*WRITE_PROBLEMS, 404, 412)},
        parameters=[IF_MATCH],
    )
    def patch(self, request: Request, slug: str) -> Response:
        """Rename a branch, move it to another city or time zone."""
        return change(
            request, self.InputSerializer, BranchUpdate, branch_update, BranchOutput, slug=slug
        )


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
        return render(SpecialtyOutput, specialty, status=201, location=location)


class SpecialtyDetailApi(APIView):
    """Read or change a specialty (its slug is its identity and does not change)."""

    permission_model = Specialty

    class InputSerializer(PatchInput):
        name = serializers.CharField(max_length=120, required=False)
        description = serializers.CharField(max_length=4000, required=False, allow_blank=True)

    @extend_schema(responses={200: SpecialtyOutput, **problems(401, 403, 404)})
    def get(self, request: Request, slug: str) -> Response:
        """Read a specialty with its version as ETag."""
        return render(SpecialtyOutput, specialty_get(slug))

    @extend_schema(
        request=InputSerializer,
        responses={200: SpecialtyOutput, **problems(*WRITE_PROBLEMS, 404, 409, 412)},
        parameters=[IF_MATCH],
    )
    def patch(self, request: Request, slug: str) -> Response:
        """Rename a specialty or change its description."""
        return change(
            request,
            self.InputSerializer,
            SpecialtyUpdate,
            specialty_update,
            SpecialtyOutput,
            slug=slug,
        )
