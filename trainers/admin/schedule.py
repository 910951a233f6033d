"""Scheduled status changes: schedule one, see pending, done and failed (with the reason),
cancel pending ones. Each goes through its handler (``handlers.schedule``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.timezone import localtime

from trainers import commands as c
from trainers.access import branch_scope
from trainers.admin.base import CommandAdmin, CommandForm, adopt, apply_to_each, run
from trainers.models import ScheduledChange, ScheduleState


class ScheduledChangeForm(CommandForm):
    class Meta:
        model = ScheduledChange
        fields = ["trainer", "action", "run_at"]


@admin.action(description="Cancel selected scheduled changes", permissions=["change"])
def cancel_selected(
    modeladmin: admin.ModelAdmin[ScheduledChange],
    request: HttpRequest,
    queryset: QuerySet[ScheduledChange],
) -> None:
    apply_to_each(
        modeladmin,
        request,
        queryset,
        lambda change: c.StatusChangeCancel(change.pk),
        ("cancel {}", "Cancelled {}"),
    )


@admin.register(ScheduledChange)
class ScheduledChangeAdmin(CommandAdmin):
    form = ScheduledChangeForm
    list_display = ("run_at", "trainer", "action", "outcome", "scheduled_by")
    list_filter = ("state", "action")
    list_select_related = ("trainer",)
    autocomplete_fields = ("trainer",)
    search_fields = ("trainer__first_name", "trainer__last_name")
    date_hierarchy = "run_at"
    actions = [cancel_selected]
    fields = ("trainer", "action", "run_at")

    @admin.display(description="outcome", ordering="state")
    def outcome(self, obj: ScheduledChange) -> str:
        """Pending, or what happened when it ran: done, or failed and why."""
        if obj.state == ScheduleState.FAILED:
            return f"Failed: {obj.error}"
        if obj.state == ScheduleState.DONE and obj.ran_at is not None:
            return f"Done at {localtime(obj.ran_at):%Y-%m-%d %H:%M}"
        return str(obj.get_state_display())

    @admin.display(description="scheduled by", ordering="created_by_name")
    def scheduled_by(self, obj: ScheduledChange) -> str:
        return obj.created_by_name

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        scope = branch_scope(request.user.pk)
        return queryset if scope is None else queryset.filter(trainer__branch_id__in=scope)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Scheduled once, then only cancelled (the action): no edits of the row itself.
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        command = c.StatusChangeSchedule(data["trainer"].pk, data["action"], data["run_at"])
        adopt(obj, run(request, command))
