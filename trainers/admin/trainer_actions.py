"""Admin actions on the selected trainers: one command per trainer, each reported."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from trainers import commands as c
from trainers.admin.base import apply_to_each
from trainers.models import Trainer
from trainers.selectors import specialty_list

if TYPE_CHECKING:
    Action = Callable[[admin.ModelAdmin[Trainer], HttpRequest, QuerySet[Trainer]], None]


def _status_action(
    name: str, command: Callable[[UUID], object], description: str, verb: tuple[str, str]
) -> Action:
    """An action that runs ``command`` for each selected trainer; ``name`` is its form value."""

    @admin.action(description=description, permissions=["change"])
    def action(
        modeladmin: admin.ModelAdmin[Trainer], request: HttpRequest, queryset: QuerySet[Trainer]
    ) -> None:
        apply_to_each(modeladmin, request, queryset, lambda t: command(t.pk), verb)

    action.__name__ = action.__qualname__ = name
    return action


publish = _status_action(
    "publish", c.TrainerPublish, "Publish selected trainers", ("publish {}", "Published {}")
)
unpublish = _status_action(
    "unpublish",
    c.TrainerUnpublish,
    "Unpublish selected trainers (back to draft)",
    ("unpublish {}", "Unpublished {}"),
)
put_on_leave = _status_action(
    "put_on_leave",
    c.TrainerPutOnLeave,
    "Put selected trainers on leave",
    ("put {} on leave", "Put {} on leave"),
)
retire = _status_action(
    "retire", c.TrainerRetire, "Retire selected trainers", ("retire {}", "Retired {}")
)


class AssignSpecialtyForm(forms.Form):
    specialty = forms.ModelChoiceField(queryset=specialty_list(), empty_label=None)


@admin.action(description="Assign a specialty to selected trainers", permissions=["change"])
def assign_specialty(
    modeladmin: admin.ModelAdmin[Trainer], request: HttpRequest, queryset: QuerySet[Trainer]
) -> TemplateResponse | None:
    """First a page to choose the specialty and confirm, then one command per trainer."""
    if "apply" in request.POST:
        form = AssignSpecialtyForm(request.POST)
        if form.is_valid():
            specialty = form.cleaned_data["specialty"]
            name = str(specialty).replace("{", "{{").replace("}", "}}")
            apply_to_each(
                modeladmin,
                request,
                queryset,
                lambda t: c.TrainerAssignSpecialty(t.pk, specialty.slug),
                (f"assign {name} to {{}}", f"Assigned {name} to {{}}"),
            )
            return None
    else:
        form = AssignSpecialtyForm()
    select_across = request.POST.get("select_across") == "1"
    context: dict[str, Any] = {
        **modeladmin.admin_site.each_context(request),
        "title": "Assign a specialty",
        "subtitle": None,
        "opts": modeladmin.opts,
        "form": form,
        # "Select all" may mean thousands of trainers: carry the flag, not every id.
        "select_across": select_across,
        "selected": [] if select_across else request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "count": queryset.count(),
        "trainers": queryset[:20],
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media,
    }
    return TemplateResponse(request, "admin/trainers/trainer/assign_specialty.html", context)
