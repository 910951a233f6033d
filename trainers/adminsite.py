"""The staff admin's site: its name, a dashboard of what needs attention, and query
values no admin page can use answered with a 400 instead of a database error.

Installed through ``StaffAdminConfig`` (in place of ``django.contrib.admin``),
so ``admin.site`` is this site everywhere, Django's own pages (users, groups) included.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.utils import timezone

EXPIRING_DAYS = 60
# A number no id or year can hold: PostgreSQL's bigint has 19 digits.
_HUGE_NUMBER = re.compile(r"^[-+]?\d{19,}$")
# The date hierarchy's year, month and day. Django's hierarchy computes the next year or
# month: year 9999 would overflow Python's dates.
_DATE_PARTS = ("__year", "__month", "__day")


def _date_part(name: str, value: str) -> bool:
    if not (value.isascii() and value.isdigit() and len(value) <= 4):
        return False
    return 1 <= int(value) <= 9998 if name.endswith("__year") else int(value) <= 31


UNUSABLE = "This address holds a value no admin page can use ({what} in “{name}”)."


def unusable(request: HttpRequest) -> str | None:
    """Why the query string cannot be used, or None. NUL reaches no SQL string; a number
    over 18 digits reaches no integer filter (the search box may hold any digits), and a
    date hierarchy's year is from 1 to 9998, its month or day a small number."""
    for name, values in request.GET.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            return UNUSABLE.format(what="a NUL character", name=name.replace("\x00", ""))
        if name != "q" and any(_HUGE_NUMBER.match(value) for value in values):
            return UNUSABLE.format(what="a number too large", name=name)
        if name.endswith(_DATE_PARTS) and not all(_date_part(name, value) for value in values):
            return UNUSABLE.format(what="no date", name=name)
    return None


class StaffAdminSite(admin.AdminSite):
    site_header = "Trainer Profiles · staff"
    site_title = "Trainer Profiles staff"
    index_title = "Dashboard"
    index_template = "admin/staff_index.html"
    # "View site": the public directory (readapi/pages/), served by the read side.
    site_url = "/"

    def admin_view(self, view: Callable[..., Any], cacheable: bool = False) -> Any:
        inner = super().admin_view(view, cacheable)

        @functools.wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            reason = unusable(request)
            if reason is not None:
                return HttpResponseBadRequest(reason, content_type="text/plain; charset=utf-8")
            response: HttpResponse = inner(request, *args, **kwargs)
            return response

        return checked

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[Any]:
        """The gym's own models first; tokens, users and groups after."""
        apps = super().get_app_list(request, app_label)
        return sorted(apps, key=lambda app: app["app_label"] != "trainers")

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        context = {"attention": attention(request.user.pk), **(extra_context or {})}
        return super().index(request, context)


def attention(user_id: int | None) -> list[tuple[str, int, str]]:
    """What needs a staff member's attention: (what, how many, where to see them); a
    branch manager's counts are of their branches."""
    from trainers.access import branch_scope
    from trainers.models import (  # the apps are loaded by now
        Certification,
        ScheduledChange,
        ScheduleState,
        Status,
        Trainer,
    )

    scope = branch_scope(user_id)
    trainers_ = Trainer.objects.all()
    if scope is not None:
        trainers_ = trainers_.filter(branch_id__in=scope)
    certifications = Certification.objects.filter(trainer__in=trainers_)
    scheduled = ScheduledChange.objects.filter(trainer__in=trainers_)
    today = timezone.localdate()
    soon = today + timedelta(days=EXPIRING_DAYS)
    trainers = "/admin/trainers/trainer/"
    expiring = (
        certifications.filter(expires_on__gte=today, expires_on__lte=soon)
        .values("trainer")
        .distinct()
        .count()
    )
    return [
        (
            "Drafts (not public yet)",
            trainers_.filter(status=Status.DRAFT).count(),
            f"{trainers}?status__exact=draft",
        ),
        (
            "On leave",
            trainers_.filter(status=Status.ON_LEAVE).count(),
            f"{trainers}?status__exact=on_leave",
        ),
        (
            "Scheduled status changes (pending)",
            scheduled.filter(state=ScheduleState.PENDING).count(),
            "/admin/trainers/scheduledchange/?state__exact=pending",
        ),
        (
            "Scheduled changes that failed",
            scheduled.filter(state=ScheduleState.FAILED).count(),
            "/admin/trainers/scheduledchange/?state__exact=failed",
        ),
        (
            f"Trainers with a certificate expiring within {EXPIRING_DAYS} days",
            expiring,
            f"{trainers}?expiring=soon",
        ),
    ]


class StaffAdminConfig(AdminConfig):
    """Django's admin with the staff site: listed in INSTALLED_APPS in its place."""

    default_site = "trainers.adminsite.StaffAdminSite"
