"""Branches and specialties: created and updated by commands, never deleted here.

There is no delete command for either (trainers and classes refer to them),
so the admin offers no delete.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from trainers import commands as c
from trainers.admin.base import CommandAdmin, CommandForm, adopt, run
from trainers.models import Branch, Specialty


class BranchForm(CommandForm):
    class Meta:
        model = Branch
        fields = ["slug", "name", "city", "timezone"]


class SpecialtyForm(CommandForm):
    class Meta:
        model = Specialty
        fields = ["slug", "name", "description"]


class CatalogAdmin(CommandAdmin):
    """The slug names the record in its commands, so it is set once, at creation."""

    create: type
    update: type
    command_fields: tuple[str, ...]  # besides the slug
    prepopulated_fields = {"slug": ("name",)}

    def aggregate_id(self, obj: Any) -> str:
        return str(obj.slug)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("slug", "version") if obj is not None else ()

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return {} if obj is not None else self.prepopulated_fields

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            values = {n: form.cleaned_data[n] for n in self.command_fields}
            adopt(obj, run(request, self.create(slug=form.cleaned_data["slug"], **values)))
            return
        changed = {n: form.cleaned_data[n] for n in form.changed_data if n in self.command_fields}
        if changed:
            expected = form.cleaned_data["loaded_version"]
            adopt(obj, run(request, self.update(obj.slug, expected_version=expected, **changed)))


@admin.register(Branch)
class BranchAdmin(CatalogAdmin):
    form = BranchForm
    entity = "Branch"
    aggregate_type = "branch"
    create = c.BranchCreate
    update = c.BranchUpdate
    command_fields = ("name", "city", "timezone")
    list_display = ("name", "slug", "city", "timezone")
    search_fields = ("name", "slug", "city")


@admin.register(Specialty)
class SpecialtyAdmin(CatalogAdmin):
    form = SpecialtyForm
    entity = "Specialty"
    aggregate_type = "specialty"
    create = c.SpecialtyCreate
    update = c.SpecialtyUpdate
    command_fields = ("name", "description")
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
