"""Publication status changes: publish, unpublish, put on leave, retire."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from trainers.api.conditional import expected_version
from trainers.api.idempotency import idempotent
from trainers.api.serializers import TrainerOutput
from trainers.api.views.base import IDEMPOTENCY_KEY, IF_MATCH, actor, problems, render
from trainers.commands import TrainerPublish, TrainerPutOnLeave, TrainerRetire, TrainerUnpublish
from trainers.handlers import trainer_change_status
from trainers.handlers.status import StatusCommand
from trainers.models import Trainer


class TrainerStatusApi(APIView):
    """Change a trainer's publication status."""

    permission_model = Trainer
    permission_actions = {"POST": "change"}
    command: ClassVar[type[StatusCommand]]

    @extend_schema(
        request=None,
        responses={200: TrainerOutput, **problems(400, 401, 403, 404, 409, 412, 422)},
        parameters=[IF_MATCH, IDEMPOTENCY_KEY],
    )
    @idempotent
    def post(self, request: Request, trainer_id: UUID) -> Response:
        command = self.command(trainer_id=trainer_id, expected_version=expected_version(request))
        return render(TrainerOutput, trainer_change_status(command, actor=actor(request)))


class TrainerPublishApi(TrainerStatusApi):
    """Publish a draft or on-leave trainer: it appears on the public read side."""

    command = TrainerPublish


class TrainerUnpublishApi(TrainerStatusApi):
    """Take a trainer back to draft: it leaves the public read side."""

    command = TrainerUnpublish


class TrainerLeaveApi(TrainerStatusApi):
    """Put a published trainer on leave (still public, marked on leave)."""

    command = TrainerPutOnLeave


class TrainerRetireApi(TrainerStatusApi):
    """Retire a trainer: no longer public."""

    command = TrainerRetire
