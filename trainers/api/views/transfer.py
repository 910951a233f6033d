"""Trainers in and out as CSV: import (with a dry run) and export (``trainers.csvio``)."""

from __future__ import annotations

from typing import Any

from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.problems import CONTENT_TYPE, problem
from trainers import csvio
from trainers.access import branch_scope
from trainers.api.parsers import CsvParser
from trainers.api.serializers import StrictInput
from trainers.api.views.base import actor, parse_query, problems
from trainers.models import Status, Trainer
from trainers.selectors import trainer_list

NOT_IMPORTED = "{count} row(s) have errors; nothing was imported."


class RowErrorOutput(serializers.Serializer[Any]):
    row = serializers.IntegerField(help_text="from 1, the header not counted")
    field = serializers.CharField()
    message = serializers.CharField()


ReportOutput = inline_serializer(
    "ImportReport",
    {
        "rows": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "errors": RowErrorOutput(many=True),
    },
)


class TrainerImportApi(APIView):
    """Register many trainers from CSV: every row or none, through the bulk import.

    Columns: first_name, last_name, position, shift, hired_on, date_of_birth, email,
    phone, bio, branch (slug), specialties (slugs separated by ``;``). With
    ``dry_run=true`` every row is checked and nothing changes: 200 with the report
    ``{rows, created, errors: [{row, field, message}]}`` (rows from 1, the header not
    counted). A real import answers 201 with the report, or 422 with it (as problem
    details) and nothing imported.
    """

    permission_model = Trainer
    parser_classes = [CsvParser]

    class QueryInput(StrictInput):
        dry_run = serializers.BooleanField(default=False)

    @extend_schema(
        request={"text/csv": OpenApiTypes.STR},
        parameters=[OpenApiParameter("dry_run", OpenApiTypes.BOOL, default=False)],
        responses={
            200: ReportOutput,
            201: ReportOutput,
            (422, CONTENT_TYPE): OpenApiResponse(ReportOutput, description="rows with errors"),
            **problems(400, 401, 403, 413, 415),
        },
    )
    def post(self, request: Request) -> Response:
        dry_run = parse_query(self.QueryInput, request)["dry_run"]
        # An empty body reaches no parser: DRF hands an empty QueryDict instead.
        rows = csvio.read(request.data if isinstance(request.data, bytes) else b"")
        report = csvio.import_rows(rows, dry_run=dry_run, actor=actor(request))
        if dry_run:
            return Response(report.as_json())
        if report.errors:
            detail = NOT_IMPORTED.format(count=len({e["row"] for e in report.errors}))
            body = problem(422, detail, errors=report.errors, rows=report.rows, created=0)
            return Response(body, status=422, content_type=CONTENT_TYPE)
        return Response(report.as_json(), status=201)


class TrainerExportApi(APIView):
    """The trainers a filter selects, as CSV in the columns the import reads."""

    permission_model = Trainer

    class QueryInput(StrictInput):
        status = serializers.ChoiceField(choices=Status.choices, required=False)
        branch = serializers.SlugField(max_length=80, required=False)
        specialty = serializers.SlugField(max_length=80, required=False)

    @extend_schema(
        parameters=[QueryInput],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR),
            **problems(400, 401, 403),
        },
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        filters = parse_query(self.QueryInput, request)
        response = StreamingHttpResponse(
            csvio.export(trainer_list(**filters, branches=branch_scope(request.user.pk))),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="trainers.csv"'
        return response
