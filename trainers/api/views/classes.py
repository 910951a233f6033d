"""The weekly timetable: schedule, read, reschedule and cancel classes."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from trainers import errors
from trainers.access import branch_scope
from trainers.api.conditional import expected_version
from trainers.api.idempotency import idempotent
from trainers.api.serializers import GymClassOutput, PatchInput, StrictInput
from trainers.api.views.base import (
    IDEMPOTENCY_KEY,
    IF_MATCH,
    WRITE_PROBLEMS,
    actor,
    parse,
    problems,
    render,
)
from trainers.commands import GymClassCancel, GymClassReschedule, GymClassSchedule
from trainers.handlers import gym_class_cancel, gym_class_reschedule, gym_class_schedule
from trainers.models import GymClass, Weekday
from trainers.selectors import gym_class_get


def class_url(class_id: int) -> str:
    return f"/api/classes/{class_id}/"


class GymClassScheduleApi(APIView):
    """Schedule a weekly class; a trainer cannot teach two overlapping classes."""

    permission_model = GymClass
    error_fields = {"trainer_id": "trainer"}

    class InputSerializer(StrictInput):
        title = serializers.CharField(max_length=120)
        branch = serializers.SlugField(max_length=80, help_text="Branch slug.")
        trainer = serializers.UUIDField(help_text="Trainer id.")
        weekday = serializers.ChoiceField(Weekday.choices, help_text="1 = Monday ... 7 = Sunday.")
        start_time = serializers.TimeField()
        # The bounds stay for the schema; a value outside them reads as the handlers' rule.
        duration_minutes = serializers.IntegerField(
            min_value=1,
            max_value=600,
            error_messages={"min_value": errors.CLASS_DURATION, "max_value": errors.CLASS_DURATION},
        )
        capacity = serializers.IntegerField(
            min_value=1, max_value=32767, error_messages={"min_value": errors.CLASS_CAPACITY}
        )

    @extend_schema(
        request=InputSerializer,
        responses={201: GymClassOutput, **problems(*WRITE_PROBLEMS, 409, 422)},
        parameters=[IDEMPOTENCY_KEY],
    )
    @idempotent
    def post(self, request: Request) -> Response:
        data = parse(self.InputSerializer, request)
        data["trainer_id"] = data.pop("trainer")
        gym_class = gym_class_schedule(GymClassSchedule(**data), actor=actor(request))
        return render(GymClassOutput, gym_class, status=201, location=class_url(gym_class.pk))


class GymClassDetailApi(APIView):
    """Read, reschedule (any field) or cancel one class."""

    permission_model = GymClass
    error_fields = {"trainer_id": "trainer"}

    class InputSerializer(PatchInput, GymClassScheduleApi.InputSerializer):
        pass

    @extend_schema(responses={200: GymClassOutput, **problems(401, 403, 404)})
    def get(self, request: Request, class_id: int) -> Response:
        """Read a class with its version as ETag."""
        branches = branch_scope(actor(request).user_id)
        return render(GymClassOutput, gym_class_get(class_id, branches=branches))

    @extend_schema(
        request=InputSerializer,
        responses={200: GymClassOutput, **problems(*WRITE_PROBLEMS, 404, 409, 412)},
        parameters=[IF_MATCH],
    )
    def patch(self, request: Request, class_id: int) -> Response:
        """Reschedule a class: move it, retitle it, change its trainer or capacity."""
        data = parse(self.InputSerializer, request, partial=True)
        if "trainer" in data:
            data["trainer_id"] = data.pop("trainer")
        command = GymClassReschedule(
            class_id=class_id, expected_version=expected_version(request), **data
        )
        return render(GymClassOutput, gym_class_reschedule(command, actor=actor(request)))

    @extend_schema(request=None, responses={204: None, **problems(401, 403, 404, 412)})
    def delete(self, request: Request, class_id: int) -> Response:
        """Cancel (delete) a class."""
        command = GymClassCancel(class_id=class_id, expected_version=expected_version(request))
        gym_class_cancel(command, actor=actor(request))
        return Response(status=204)
