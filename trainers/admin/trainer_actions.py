"""Admin actions on the selected trainers: one command per trainer, each reported."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from trainers import commands as c
from trainers.admin.base import apply_to_each
from trainers.models import Specialty, Trainer


@admin.action(description="Publish selected trainers", permissions=["change"])
def publish(
    modeladmin: admin.ModelAdmin[Trainer], request: HttpRequest, queryset: QuerySet[Trainer]
) -> None:
    apply_to_each(
        modeladmin,
        request,
        queryset,
        lambda t: c.TrainerPublish(t.pk),
        ("publish {}", "Published {}"),
    )


@admin.action(description="Unpublish selected trainers (back to draft)", permissions=["change"])
def unpublish(
    modeladmin: admin.ModelAdmin[Trainer], request: HttpRequest, queryset: QuerySet[Trainer]
) -> None:
    apply_to_each(
        modeladmin,
        request,
        queryset,
        lambda t: c.TrainerUnpublish(t.pk),
        ("unpublish {}", "Unpublished {}"),
    )


@admin.action(description="Put selected trainers on leave", permissions=["change"])
def put_on_leave(
    modeladmin: admin.ModelAdmin[Trainer], request: HttpRequest, queryset: QuerySet[Trainer]
) -> None:
    apply_to_each(
        modeladmin,
        request,
        queryset,
        lambda t: c.TrainerPutOnLeave(t.pk),
        ("put {} on leave", "Put {} on leave"),
    )


@admin.action(description="Retire selected trainers", permissions=["change"])
def retire(
    modeladmin: admin.ModelAdmin[Trainer], request: HttpRequest, queryset: QuerySet[Trainer]
) -> None:
    apply_to_each(
        modeladmin, request, queryset, lambda t: c.TrainerRetire(t.pk), ("retire {}", "Retired {}")
    )


class AssignSpecialtyForm(forms.Form):
    specialty = forms.ModelChoiceField(queryset=Specialty.objects.all(), empty_label=None)


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
