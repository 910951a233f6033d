"""Who may do what: branch grants (branch managers), and a permission picker without the
internal models no person grants (idempotency records, admin log entries, sessions...)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from trainers.models import BranchGrant

# (app label, model) whose every permission is internal.
INTERNAL_MODELS = (
    ("trainers", "idempotencyrecord"),
    ("admin", "logentry"),
    ("contenttypes", "contenttype"),
    ("sessions", "session"),
)
# Written by the system only: viewing them is a permission, changing them is not.
READ_ONLY_MODELS = (("trainers", "event"), ("trainers", "readmodelrun"))


def grantable(permissions: QuerySet[Permission]) -> QuerySet[Permission]:
    """The permissions a person may grant: internal models and impossible changes left out."""
    hidden = Q()
    for app_label, model in INTERNAL_MODELS:
        hidden |= Q(content_type__app_label=app_label, content_type__model=model)
    for app_label, model in READ_ONLY_MODELS:
        hidden |= Q(
            content_type__app_label=app_label,
            content_type__model=model,
            codename__regex=r"^(add|change|delete)_",
        )
    return permissions.exclude(hidden)


class PickerMixin:
    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in ("user_permissions", "permissions"):
            kwargs["queryset"] = grantable(Permission.objects.select_related("content_type"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class BranchGrantInline(admin.TabularInline[BranchGrant, User]):
    model = BranchGrant
    extra = 0
    verbose_name = "branch this user is limited to"
    verbose_name_plural = "branches this user is limited to (none: every branch)"


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class StaffUserAdmin(PickerMixin, UserAdmin):  # type: ignore[type-arg]
    inlines = [*UserAdmin.inlines, BranchGrantInline]


@admin.register(Group)
class StaffGroupAdmin(PickerMixin, GroupAdmin):
    pass
