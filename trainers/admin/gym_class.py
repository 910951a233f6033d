"""The weekly timetable: classes scheduled, rescheduled and cancelled by commands."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from trainers import commands as c
from trainers.admin.base import CommandAdmin, CommandForm, adopt, run
from trainers.admin.trainer import CLASS_FIELDS, changes, command_value
from trainers.models import GymClass

FIELDS = ("trainer", *CLASS_FIELDS)


class GymClassForm(CommandForm):
    class Meta:
        model = GymClass
        fields = [*FIELDS]


@admin.register(GymClass)
class GymClassAdmin(CommandAdmin):
    form = GymClassForm
    entity = "Class"
    aggregate_type = "gym_class"
    branch_scoped = True
    deletable = True
    list_display = ("title", "weekday", "start_time", "duration_minutes", "branch", "trainer")
    list_filter = ("branch", "weekday")
    search_fields = ("title", "trainer__first_name", "trainer__last_name")
    list_select_related = ("branch", "trainer")
    # A select of every trainer would not fit on the page.
    autocomplete_fields = ("trainer",)
    fields = (*FIELDS, "loaded_version")

    def save_model(self, request: HttpRequest, obj: GymClass, form: Any, change: bool) -> None:
        if not change:
            values = {n: command_value(form.cleaned_data[n]) for n in CLASS_FIELDS}
            trainer = form.cleaned_data["trainer"]
            adopt(obj, run(request, c.GymClassSchedule(**values, trainer_id=trainer.pk)))
            return
        changed = changes(form, FIELDS)
        if "trainer" in changed:
            changed["trainer_id"] = changed.pop("trainer").pk
        if changed:
            expected = form.cleaned_data["loaded_version"]
            adopt(obj, run(request, c.GymClassReschedule(obj.pk, expected, **changed)))

    def delete_command(self, obj: GymClass) -> object:
        return c.GymClassCancel(obj.pk)
