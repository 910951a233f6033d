"""The trainer list's CSV import (a dry-run preview, then confirm) and exports (``csvio``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from trainers import csvio
from trainers.cqrs import Actor
from trainers.errors import DomainError
from trainers.models import Trainer


class ImportForm(forms.Form):
    file = forms.FileField(required=False, help_text="A .csv file in UTF-8.")
    text = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 8, "cols": 100}), label="or paste"
    )

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean() or {}
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > csvio.MAX_BYTES:
                raise forms.ValidationError(f"The file is over {csvio.MAX_BYTES} bytes.")
            raw = upload.read()
            try:
                cleaned["text"] = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                raise forms.ValidationError(csvio.NOT_CSV) from exc
        if not cleaned.get("text", "").strip():
            raise forms.ValidationError("Choose a CSV file or paste its text.")
        return cleaned


def import_view(modeladmin: admin.ModelAdmin[Trainer], request: HttpRequest) -> HttpResponse:
    """Upload or paste, see what would happen (a dry run: errors by row and field, or how
    many trainers), then "Import N trainers" runs the real import of the same text."""
    if not modeladmin.has_add_permission(request):
        raise PermissionDenied
    report, problem, text = None, None, ""
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        confirm = "confirm" in request.POST
        try:
            rows = csvio.read(text)
            report = csvio.import_rows(rows, dry_run=not confirm, actor=Actor.of(request.user))
        except DomainError as error:  # an unreadable file, a branch outside the user's
            problem = error.message
        else:
            if confirm and not report.errors:
                messages.success(request, f"Imported {report.created} trainers.")
                return HttpResponseRedirect(reverse("admin:trainers_trainer_changelist"))
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": "Import trainers from CSV",
        "subtitle": None,
        "opts": modeladmin.opts,
        "form": form,
        "report": report,
        "problem": problem,
        "text": text,
        "columns": csvio.COLUMNS,
        "media": modeladmin.media + form.media,
    }
    return TemplateResponse(request, "admin/trainers/trainer/import.html", context)


def csv_response(trainers: QuerySet[Trainer]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csvio.export(trainers), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="trainers.csv"'
    return response


def export_matching_view(
    modeladmin: admin.ModelAdmin[Trainer], request: HttpRequest
) -> StreamingHttpResponse:
    """Every trainer the list's current search and filters select."""
    if not modeladmin.has_view_or_change_permission(request):
        raise PermissionDenied
    changelist = modeladmin.get_changelist_instance(request)
    return csv_response(changelist.get_queryset(request))


@admin.action(description="Export selected trainers as CSV", permissions=["view"])
def export_selected(
    modeladmin: admin.ModelAdmin[Trainer], request: HttpRequest, queryset: QuerySet[Trainer]
) -> StreamingHttpResponse:
    return csv_response(queryset)
