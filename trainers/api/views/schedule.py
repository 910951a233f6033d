"""Scheduled status changes of a trainer: schedule, list the pending ones, cancel."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from trainers.access import branch_scope
from trainers.api.serializers import StrictInput
from trainers.api.views.base import WRITE_PROBLEMS, actor, parse, problems
from trainers.commands import StatusChangeCancel, StatusChangeSchedule
from trainers.handlers import status_change_cancel, status_change_schedule
from trainers.models import ScheduleAction, ScheduledChange, ScheduleState, Trainer
from trainers.selectors import trainer_get


class ScheduledChangeOutput(serializers.ModelSerializer[ScheduledChange]):
    at = serializers.DateTimeField(source="run_at")
    created_by = serializers.CharField(source="created_by_name")

    class Meta:
        model = ScheduledChange
        fields = ["id", "action", "at", "state", "created_by", "created_at", "ran_at", "error"]


class TrainerScheduleApi(APIView):
    """Schedule a status change at a time (it runs as the normal command, once), or list
    the pending ones."""

    permission_model = Trainer
    permission_actions = {"POST": "change"}

    class InputSerializer(StrictInput):
        action = serializers.ChoiceField(choices=ScheduleAction.choices)
        at = serializers.DateTimeField()

    @extend_schema(
        request=InputSerializer,
        responses={201: ScheduledChangeOutput, **problems(*WRITE_PROBLEMS, 404)},
    )
    def post(self, request: Request, trainer_id: UUID) -> Response:
        data = parse(self.InputSerializer, request)
        command = StatusChangeSchedule(trainer_id, data["action"], data["at"])
        change = status_change_schedule(command, actor=actor(request))
        return Response(ScheduledChangeOutput(change).data, status=201)

    @extend_schema(responses={200: ScheduledChangeOutput(many=True), **problems(401, 403, 404)})
    def get(self, request: Request, trainer_id: UUID) -> Response:
        trainer = trainer_get(trainer_id, branches=branch_scope(request.user.pk))
        pending = trainer.scheduled.filter(state=ScheduleState.PENDING)
        return Response(ScheduledChangeOutput(pending, many=True).data)


class TrainerScheduleCancelApi(APIView):
    """Cancel a pending scheduled change."""

    permission_model = Trainer
    permission_actions = {"DELETE": "change"}

    @extend_schema(responses={204: None, **problems(401, 403, 404, 409)})
    def delete(self, request: Request, trainer_id: UUID, change_id: int) -> Response:
        status_change_cancel(StatusChangeCancel(change_id, trainer_id), actor=actor(request))
        return Response(status=204)
