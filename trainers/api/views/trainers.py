"""Trainers: register, read (staff), change the profile, set specialties, delete."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from trainers.access import branch_scope
from trainers.api.conditional import expected_version
from trainers.api.idempotency import idempotent
from trainers.api.serializers import PatchInput, StrictInput, TrainerOutput
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
from trainers.commands import (
    TrainerDelete,
    TrainerRegister,
    TrainerRestore,
    TrainerSetSpecialties,
    TrainerUpdateProfile,
)
from trainers.handlers import (
    trainer_delete,
    trainer_register,
    trainer_restore,
    trainer_set_specialties,
    trainer_update_profile,
)
from trainers.models import Position, Shift, Trainer
from trainers.selectors import trainer_get


def slug_list(**kwargs: Any) -> serializers.ListField:
    child = serializers.SlugField(max_length=80)
    return serializers.ListField(child=child, max_length=50, **kwargs)


def trainer_url(trainer_id: UUID) -> str:
    return f"/api/trainers/{trainer_id}/"


class TrainerRegisterApi(APIView):
    """Register a trainer; new trainers start as drafts."""

    permission_model = Trainer

    class InputSerializer(StrictInput):
        first_name = serializers.CharField(max_length=80)
        last_name = serializers.CharField(max_length=80)
        email = serializers.EmailField(max_length=254)
        hired_on = serializers.DateField()
        branch = serializers.SlugField(max_length=80, help_text="Branch slug.")
        position = serializers.ChoiceField(Position.choices, required=False)
        shift = serializers.ChoiceField(Shift.choices, required=False)
        date_of_birth = serializers.DateField(required=False, allow_null=True)
        phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
        bio = serializers.CharField(max_length=4000, required=False, allow_blank=True)
        photo_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
        internal_notes = serializers.CharField(max_length=10000, required=False, allow_blank=True)
        slug = serializers.SlugField(max_length=120, required=False, help_text="Derived if absent.")
        specialties = slug_list(required=False)

    @extend_schema(
        request=InputSerializer,
        responses={201: TrainerOutput, **problems(*WRITE_PROBLEMS, 409, 422)},
        parameters=[IDEMPOTENCY_KEY],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = parse(self.InputSerializer, request)
        data["specialties"] = tuple(data.get("specialties", ()))
        trainer = trainer_register(TrainerRegister(**data), actor=actor(request))
        return render(TrainerOutput, trainer, status=201, location=trainer_url(trainer.pk))


class TrainerDetailApi(APIView):
    """A trainer as staff see it (private fields included); change its profile; delete it."""

    permission_model = Trainer

    class InputSerializer(PatchInput, TrainerRegisterApi.InputSerializer):
        specialties = None  # type: ignore[assignment]  # replaced as a whole: PUT /api/trainers/{id}/specialties/

    @extend_schema(responses={200: TrainerOutput, **problems(401, 403, 404)})
    def get(self, request: Request, trainer_id: UUID) -> Response:
        """Read a trainer from the write model, with its version as ETag."""
        branches = branch_scope(actor(request).user_id)
        return render(TrainerOutput, trainer_get(trainer_id, branches=branches))

    @extend_schema(
        request=InputSerializer,
        responses={200: TrainerOutput, **problems(*WRITE_PROBLEMS, 404, 409, 412)},
        parameters=[IF_MATCH],
    )
    def patch(self, request: Request, trainer_id: UUID) -> Response:
        """Change profile fields; only the fields sent change (null clears date_of_birth)."""
        return change(
            request,
            self.InputSerializer,
            TrainerUpdateProfile,
            trainer_update_profile,
            TrainerOutput,
            trainer_id=trainer_id,
        )

    @extend_schema(request=None, responses={204: None, **problems(401, 403, 404, 412)})
    def delete(self, request: Request, trainer_id: UUID) -> Response:
        """Delete a trainer with its certifications and classes."""
        command = TrainerDelete(trainer_id=trainer_id, expected_version=expected_version(request))
        trainer_delete(command, actor=actor(request))
        return Response(status=204)


class TrainerSpecialtiesApi(APIView):
    """Replace a trainer's specialties with the given list of slugs."""

    permission_model = Trainer
    permission_actions = {"PUT": "change"}

    class InputSerializer(StrictInput):
        specialties = slug_list()

    @extend_schema(
        request=InputSerializer,
        responses={200: TrainerOutput, **problems(*WRITE_PROBLEMS, 404, 412)},
        parameters=[IF_MATCH],
    )
    def put(self, request: Request, trainer_id: UUID) -> Response:
        data = parse(self.InputSerializer, request)
        command = TrainerSetSpecialties(
            trainer_id=trainer_id,
            specialties=tuple(data["specialties"]),
            expected_version=expected_version(request),
        )
        return render(TrainerOutput, trainer_set_specialties(command, actor=actor(request)))


class TrainerRestoreApi(APIView):
    """Put the profile back as it was at an earlier version: a new version and event.

    Restores the profile fields (names, contact, position, shift, dates, bio, photo,
    notes, branch, slug); status, specialties, certifications and classes stay as they are.
    """

    permission_model = Trainer
    permission_actions = {"POST": "change"}

    class InputSerializer(StrictInput):
        version = serializers.IntegerField(min_value=1, max_value=2_147_483_647)

    @extend_schema(
        request=InputSerializer,
        responses={200: TrainerOutput, **problems(*WRITE_PROBLEMS, 404, 409, 412)},
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
    )
    @idempotent
    def post(self, request: Request, trainer_id: UUID) -> Response:
        data = parse(self.InputSerializer, request)
        command = TrainerRestore(
            trainer_id=trainer_id,
            version=data["version"],
            expected_version=expected_version(request),
        )
        return render(TrainerOutput, trainer_restore(command, actor=actor(request)))
