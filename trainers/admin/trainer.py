"""Trainers, with their certifications and weekly classes as inlines."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localdate, localtime

from trainers import commands as c
from trainers.admin import errors, trainer_actions, transfer
from trainers.admin.base import (
    CommandAdmin,
    CommandForm,
    CommandInlineFormSet,
    adopt,
    run,
    whole_number,
)
from trainers.adminsite import EXPIRING_DAYS
from trainers.commands import PROFILE_FIELDS
from trainers.errors import DomainError
from trainers.handlers.certification import FIELDS as CERTIFICATION_FIELDS
from trainers.handlers.status import TRANSITIONS, allowed_commands
from trainers.history import Names, may_see_private, summary
from trainers.models import Certification, GymClass, ScheduleState, Status, Trainer
from trainers.preview import public_document
from trainers.selectors import trainer_events

CLASS_FIELDS = ("title", "branch", "weekday", "start_time", "duration_minutes", "capacity")
HISTORY_SHOWN = 10  # events on the change page
TIMELINE_PAGE = 50  # events per page of the history


PREVIEW_STYLE = "height:auto;border-radius:4px"
THUMBNAIL_STYLE = "height:{size}px;object-fit:cover;border-radius:50%"


def photo_img(trainer: Trainer, *, size: int, square: bool = False) -> str:
    """The uploaded photo ``size`` CSS pixels wide, from its smallest WebP sharp enough
    for a 2x screen; ``square`` crops it to a circle of that size (list thumbnails)."""
    if not trainer.photo:
        return ""
    renditions = trainer.photo["renditions"]
    fitting = next((r for r in renditions if r["width"] >= size * 2), renditions[-1])
    style = THUMBNAIL_STYLE.format(size=size) if square else PREVIEW_STYLE
    return format_html(
        '<img src="{}" alt="{}" width="{}" style="{}">', fitting["url"], str(trainer), size, style
    )


def command_value(value: Any) -> Any:
    """A cleaned form value as a command holds it: primitives, branches by slug."""
    return getattr(value, "slug", value) if isinstance(value, Model) else value


def changes(form: forms.ModelForm[Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {n: command_value(form.cleaned_data[n]) for n in form.changed_data if n in names}


STATUS_COLOURS = {
    Status.DRAFT: "#6b7280",
    Status.PUBLISHED: "#15803d",
    Status.ON_LEAVE: "#b45309",
    Status.RETIRED: "#991b1b",
}
STATUS_COMMANDS = {command.__name__: command for command in TRANSITIONS}
BUTTON_LABELS: dict[type, str] = {
    c.TrainerPublish: "Publish",
    c.TrainerUnpublish: "Unpublish",
    c.TrainerPutOnLeave: "On leave",
    c.TrainerRetire: "Retire",
}


def badge(status: str) -> str:
    """A status as a coloured badge (its colour from ``STATUS_COLOURS``, its text the label)."""
    return format_html(
        '<span class="status-badge status-{}" style="background:{};color:#fff;'
        'padding:2px 8px;border-radius:9px;font-weight:600;white-space:nowrap">{}</span>',
        status,
        STATUS_COLOURS.get(Status(status), "#6b7280"),
        Status(status).label,
    )


def status_buttons(status: str) -> list[tuple[type, str]]:
    """The status changes allowed from ``status``, with their button labels."""
    return [
        (
            command,
            "Back from leave"
            if status == Status.ON_LEAVE and command is c.TrainerPublish
            else BUTTON_LABELS[command],
        )
        for command in allowed_commands(status)
    ]


class ExpiringFilter(admin.SimpleListFilter):
    """Trainers with a certificate that expires within ``EXPIRING_DAYS`` (the dashboard's link)."""

    title = "certificates"
    parameter_name = "expiring"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("soon", f"Expiring within {EXPIRING_DAYS} days")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Trainer]) -> QuerySet[Trainer]:
        if self.value() != "soon":
            return queryset
        today = localdate()
        return queryset.filter(
            certifications__expires_on__gte=today,
            certifications__expires_on__lte=today + timedelta(days=EXPIRING_DAYS),
        ).distinct()


class HttpsURLField(forms.URLField):
    """A URL typed without a scheme is https (Django 6's default, chosen explicitly now)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("assume_scheme", "https")
        super().__init__(**kwargs)


class TrainerForm(CommandForm):
    # Not model fields: each is a command of its own (TrainerSetPhoto, TrainerRemovePhoto).
    upload_photo = forms.FileField(
        required=False,
        label="Upload photo",
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text="JPEG, PNG or WebP. Sizes for every screen are made when you save; "
        "location and camera data are removed.",
    )
    remove_photo = forms.BooleanField(required=False, label="Remove photo")
    # A refused photo command names the field "photo": shown beside the upload.
    error_fields = {"photo": "upload_photo"}

    class Meta:
        model = Trainer
        fields = [*PROFILE_FIELDS, "specialties"]
        field_classes = {"photo_url": HttpsURLField}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            # Registration derives a unique slug from the name when none is given.
            self.fields["slug"].required = not self.instance._state.adding
            self.fields["slug"].help_text = "Leave empty to derive it from the name."


class ClassRowForm(CommandForm):
    class Meta:
        model = GymClass
        fields = [*CLASS_FIELDS]


class CertificationInline(admin.TabularInline[Certification, Trainer]):
    model = Certification
    formset = CommandInlineFormSet
    fields = CERTIFICATION_FIELDS
    extra = 1


class GymClassInline(admin.TabularInline[GymClass, Trainer]):
    model = GymClass
    formset = CommandInlineFormSet
    form = ClassRowForm
    fields = (*CLASS_FIELDS, "loaded_version")
    extra = 0


@admin.register(Trainer)
class TrainerAdmin(CommandAdmin):
    form = TrainerForm
    entity = "Trainer"
    aggregate_type = "trainer"
    branch_scoped = True
    deletable = True
    inlines = [CertificationInline, GymClassInline]
    list_display = (
        "thumbnail",
        "full_name",
        "branch",
        "position",
        "shift",
        "status_badge",
        "public",
        "updated_at",
    )
    list_display_links = ("thumbnail", "full_name")
    list_filter = ("branch", "status", "shift", "specialties", ExpiringFilter)
    search_fields = ("first_name", "last_name", "email", "slug")
    list_select_related = ("branch",)
    filter_horizontal = ("specialties",)
    # Counting every trainer twice per page is the slowest part of a big changelist.
    show_full_result_count = False
    actions = [
        "delete_selected",
        trainer_actions.publish,
        trainer_actions.unpublish,
        trainer_actions.put_on_leave,
        trainer_actions.retire,
        trainer_actions.assign_specialty,
        transfer.export_selected,
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("first_name", "last_name"),
                    "slug",
                    ("position", "shift"),
                    "branch",
                    "specialties",
                    "bio",
                    "photo_preview",
                    "upload_photo",
                    "remove_photo",
                    "photo_url",
                ]
            },
        ),
        (
            "Staff only",
            {"fields": ["email", "phone", "date_of_birth", "hired_on", "internal_notes"]},
        ),
        (
            "Record",
            {
                "fields": [
                    "status_controls",
                    "scheduled",
                    "version",
                    "created_at",
                    "updated_at",
                    "history",
                    "loaded_version",
                ]
            },
        ),
    ]
    # Status changes are buttons and actions (publish, retire...), each a command of its own.
    readonly_fields = (
        "status_controls",
        "status_badge",
        "scheduled",
        "version",
        "created_at",
        "updated_at",
        "history",
        "photo_preview",
    )

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        # A trainer being added has no record yet: starts as a draft at version 1.
        if obj is None:
            return self.fieldsets[:2]
        if self.has_change_permission(request, obj):
            return self.fieldsets
        # Who may not change the trainer sees its status, without buttons.
        *profile, (name, record) = self.fieldsets
        shown = ["status_badge" if f == "status_controls" else f for f in record["fields"]]
        return [*profile, (name, {**record, "fields": shown})]

    @admin.display(description="photo")
    def thumbnail(self, obj: Trainer) -> str | None:
        return photo_img(obj, size=40, square=True) or None  # None: the admin's empty-value dash

    @admin.display(description="current photo")
    def photo_preview(self, obj: Trainer) -> str:
        return photo_img(obj, size=160) or "No uploaded photo."

    @admin.display(description="name", ordering="last_name")
    def full_name(self, obj: Trainer) -> str:
        return str(obj)

    def view_on_site(self, obj: Trainer) -> str | None:
        """ "View on site": the public profile page the read side serves (docs/pages.md),
        while the trainer is public; the JSON is at /query/trainers/{id}."""
        return f"/trainers/{obj.slug}" if obj.is_public else None

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Trainer) -> str:
        return badge(obj.status)

    @admin.display(description="public", boolean=True, ordering="status")
    def public(self, obj: Trainer) -> bool:
        return obj.is_public

    @admin.display(description="status")
    def status_controls(self, obj: Trainer) -> str:
        """The status, and one button per change allowed from it (each a command)."""
        url = reverse("admin:trainers_trainer_status", args=[obj.pk])
        buttons = format_html_join(
            " ",
            '<button type="submit" class="button status-button" name="_status" value="{}" '
            'formaction="{}" formnovalidate>{}</button>',
            ((command.__name__, url, label) for command, label in status_buttons(obj.status)),
        )
        note = "Saves nothing else on this page: save your edits first."
        preview = reverse("admin:trainers_trainer_preview", args=[obj.pk])
        return format_html(
            '{} <span class="status-buttons">{}</span> <a href="{}" class="preview-link">{}</a>'
            '<div class="help">{}</div>',
            badge(obj.status),
            buttons,
            preview,
            "Public profile" if obj.is_public else "Preview the public profile",
            note if buttons else "",
        )

    def get_urls(self) -> list[URLPattern]:
        wrap = self.admin_site.admin_view
        return [
            path("undo/<str:token>/", wrap(self.undo_view), name="trainers_trainer_undo"),
            path(
                "import/",
                wrap(lambda request: transfer.import_view(self, request)),
                name="trainers_trainer_import",
            ),
            path(
                "export/",
                wrap(lambda request: transfer.export_matching_view(self, request)),
                name="trainers_trainer_export",
            ),
            path(
                "<path:object_id>/status/", wrap(self.status_view), name="trainers_trainer_status"
            ),
            path(
                "<path:object_id>/restore/",
                wrap(self.restore_view),
                name="trainers_trainer_restore",
            ),
            path(
                "<path:object_id>/preview/",
                wrap(self.preview_view),
                name="trainers_trainer_preview",
            ),
            *super().get_urls(),
        ]

    def status_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A status button of the change page: its command, expecting the loaded version."""
        trainer = self.get_object(request, object_id)
        if trainer is None:
            raise Http404("No such trainer.")
        if request.method != "POST" or not self.has_change_permission(request, trainer):
            raise PermissionDenied
        back = reverse("admin:trainers_trainer_change", args=[trainer.pk])
        command = STATUS_COMMANDS.get(request.POST.get("_status", ""))
        loaded = whole_number(request.POST.get("loaded_version", ""))
        if command is None or loaded is None:
            messages.error(request, "Choose one of the status buttons.")
            return HttpResponseRedirect(back)
        try:
            changed = run(request, command(trainer.pk, expected_version=loaded))
        except DomainError as error:
            messages.error(request, errors.describe(error))
        else:
            status = Status(changed.status).label.lower()
            messages.success(request, f"{changed} is now {status}.")
        return HttpResponseRedirect(back)

    def undo_view(self, request: HttpRequest, token: str) -> HttpResponse:
        """The Undo button of a bulk status change: the reverse commands, per trainer."""
        if request.method != "POST" or not self.has_change_permission(request):
            raise PermissionDenied
        try:
            back, failures = trainer_actions.undo(request, token)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            errors.report(
                request,
                self.opts,
                ("undo the change of {}", "Put {} back to their previous status"),
                back,
                failures,
            )
        return HttpResponseRedirect(reverse("admin:trainers_trainer_changelist"))

    @admin.display(description="scheduled changes")
    def scheduled(self, obj: Trainer) -> str:
        """Pending scheduled status changes, and a link to schedule one."""
        pending = obj.scheduled.filter(state=ScheduleState.PENDING)
        lines = format_html_join(
            "",
            "<li>{} at {}</li>",
            ((s.get_action_display(), f"{localtime(s.run_at):%Y-%m-%d %H:%M}") for s in pending),
        )
        add = reverse("admin:trainers_scheduledchange_add")
        return format_html(
            '<ul class="scheduled-list">{}</ul><a href="{}?trainer={}">{}</a>',
            lines,
            add,
            obj.pk,
            "Schedule a status change",
        )

    @admin.display(description="history")
    def history(self, obj: Trainer) -> str:
        recent = trainer_events(obj.pk, limit=HISTORY_SHOWN)
        lines = format_html_join(
            "",
            "<li>{} · {} · v{} {}</li>",
            (
                (
                    f"{localtime(e.occurred_at):%Y-%m-%d %H:%M}",
                    e.actor_name or "system",
                    e.version,
                    summary(e),
                )
                for e in recent
            ),
        )
        url = reverse("admin:trainers_trainer_history", args=[obj.pk])
        return format_html('<ul>{}</ul><a href="{}">Full history with changes</a>', lines, url)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The trainer's one history: every event, newest first, with each field's old and
        new value, its classes' and certifications' too; "Restore this version" on each."""
        trainer = self.get_object(request, object_id)
        if trainer is None:
            raise Http404("No such trainer.")
        if not self.has_view_or_change_permission(request, trainer):
            raise PermissionDenied
        before = request.GET.get("before", "")
        page = trainer_events(
            trainer.pk,
            limit=TIMELINE_PAGE + 1,
            before=whole_number(before),
        )
        names = Names()
        private = may_see_private(request.user)
        restorable = self.has_change_permission(request, trainer)
        entries = [
            {
                "event": event,
                "summary": summary(event),
                "lines": names.lines(event, private=private),
                "restore": restorable
                and event.aggregate_type == "trainer"
                and event.version < trainer.version
                and event.command != "TrainerDelete",
            }
            for event in page[:TIMELINE_PAGE]
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"History of {trainer}",
            "subtitle": None,
            "opts": self.opts,
            "object": trainer,
            "entries": entries,
            "older": page[TIMELINE_PAGE - 1].pk if len(page) > TIMELINE_PAGE else None,
            "restore_url": reverse("admin:trainers_trainer_restore", args=[trainer.pk]),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/trainers/trainer/timeline.html", context)

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The public profile as the read side would serve it, without publishing."""
        trainer = self.get_object(request, object_id)
        if trainer is None:
            raise Http404("No such trainer.")
        document = public_document(trainer.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Public profile of {trainer}" + ("" if trainer.is_public else " (preview)"),
            "subtitle": None,
            "opts": self.opts,
            "object": trainer,
            "crumb": "Public profile",
            "document": document,
            "document_json": json.dumps(document, indent=2, ensure_ascii=False),
        }
        return TemplateResponse(request, "admin/trainers/trainer/preview.html", context)

    def restore_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """ "Restore this version" on the history page: the profile as it was, as a command."""
        trainer = self.get_object(request, object_id)
        if trainer is None:
            raise Http404("No such trainer.")
        if request.method != "POST" or not self.has_change_permission(request, trainer):
            raise PermissionDenied
        history = reverse("admin:trainers_trainer_history", args=[trainer.pk])
        version = whole_number(request.POST.get("version", ""))
        loaded = whole_number(request.POST.get("loaded_version", ""))
        if version is None or loaded is None:
            messages.error(request, "Choose a version to restore.")
            return HttpResponseRedirect(history)
        try:
            run(request, c.TrainerRestore(trainer.pk, version, loaded))
        except DomainError as error:
            messages.error(request, errors.describe(error))
            return HttpResponseRedirect(history)
        messages.success(
            request, f"Restored the profile of {trainer} as it was at version {version}."
        )
        return HttpResponseRedirect(reverse("admin:trainers_trainer_change", args=[trainer.pk]))

    def save_model(self, request: HttpRequest, obj: Trainer, form: Any, change: bool) -> None:
        data = form.cleaned_data
        specialties = tuple(s.slug for s in data.get("specialties", ()))
        if not change:
            profile = {n: command_value(data[n]) for n in PROFILE_FIELDS if n in data}
            profile["slug"] = profile.get("slug") or None
            adopt(obj, run(request, c.TrainerRegister(**profile, specialties=specialties)))
            self._save_photo(request, obj, data)
            return
        # Every command of this save expects the version the previous one produced,
        # starting from the version the form was loaded at.
        obj.version = data["loaded_version"]
        if profile := changes(form, PROFILE_FIELDS):
            update = c.TrainerUpdateProfile(obj.pk, expected_version=obj.version, **profile)
            adopt(obj, run(request, update))
        if "specialties" in form.changed_data:
            assign = c.TrainerSetSpecialties(obj.pk, specialties, expected_version=obj.version)
            obj.version = run(request, assign).version
        self._save_photo(request, obj, data)

    def _save_photo(self, request: HttpRequest, obj: Trainer, data: dict[str, Any]) -> None:
        if upload := data.get("upload_photo"):
            upload.seek(0)
            content = upload.read(settings.PHOTO_MAX_BYTES + 1)
            adopt(obj, run(request, c.TrainerSetPhoto(obj.pk, content, obj.version)))
        elif data.get("remove_photo"):
            adopt(obj, run(request, c.TrainerRemovePhoto(obj.pk, expected_version=obj.version)))

    def save_row(self, request: HttpRequest, parent: Any, row: Any, action: str) -> Model:
        if isinstance(row.instance, Certification):
            return self._save_certification(request, parent, row, action)
        return self._save_class(request, parent, row, action)

    def _save_certification(
        self, request: HttpRequest, trainer: Trainer, row: Any, action: str
    ) -> Model:
        cert: Certification = row.instance
        version = trainer.version
        if action == "add":
            fields = {n: row.cleaned_data[n] for n in CERTIFICATION_FIELDS}
            cert = run(request, c.CertificationAdd(trainer.pk, **fields, expected_version=version))
            trainer.version = cert.trainer.version
        elif action == "change":
            fields = changes(row, CERTIFICATION_FIELDS)
            cert = run(request, c.CertificationUpdate(trainer.pk, cert.pk, version, **fields))
            trainer.version = cert.trainer.version
        else:
            remove = c.CertificationRemove(trainer.pk, cert.pk, expected_version=version)
            trainer.version = run(request, remove).version
        return cert

    def _save_class(self, request: HttpRequest, trainer: Trainer, row: Any, action: str) -> Model:
        # A class is an aggregate of its own: its version, not the trainer's, is checked.
        gym_class: GymClass = row.instance
        if action == "add":
            fields = {n: command_value(row.cleaned_data[n]) for n in CLASS_FIELDS}
            gym_class = run(request, c.GymClassSchedule(**fields, trainer_id=trainer.pk))
            return gym_class
        expected = row.cleaned_data["loaded_version"]
        if action == "change":
            fields = changes(row, CLASS_FIELDS)
            command = c.GymClassReschedule(gym_class.pk, expected_version=expected, **fields)
            gym_class = run(request, command)
            return gym_class
        run(request, c.GymClassCancel(gym_class.pk, expected_version=expected))
        return gym_class

    def delete_command(self, obj: Trainer) -> object:
        return c.TrainerDelete(obj.pk)
