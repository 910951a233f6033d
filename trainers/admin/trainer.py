"""Trainers, with their certifications and weekly classes as inlines."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.timezone import localtime

from trainers import commands as c
from trainers.admin import trainer_actions
from trainers.admin.base import CommandAdmin, CommandForm, CommandInlineFormSet, adopt, run
from trainers.models import Certification, GymClass, Trainer
from trainers.selectors import trainer_events

PROFILE_FIELDS = (
    "first_name",
    "last_name",
    "slug",
    "email",
    "position",
    "shift",
    "hired_on",
    "date_of_birth",
    "phone",
    "bio",
    "photo_url",
    "internal_notes",
    "branch",
)
CERTIFICATION_FIELDS = ("name", "issuer", "issued_on", "expires_on")
CLASS_FIELDS = ("title", "branch", "weekday", "start_time", "duration_minutes", "capacity")
HISTORY_SHOWN = 10


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
    deletable = True
    inlines = [CertificationInline, GymClassInline]
    list_display = (
        "thumbnail",
        "full_name",
        "branch",
        "position",
        "shift",
        "status",
        "version",
        "updated_at",
    )
    list_display_links = ("thumbnail", "full_name")
    list_filter = ("branch", "status", "shift", "specialties")
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
                    "status",
                    "version",
                    "created_at",
                    "updated_at",
                    "history",
                    "loaded_version",
                ]
            },
        ),
    ]
    # Status changes are actions (publish, retire...), each a command of its own.
    readonly_fields = ("status", "version", "created_at", "updated_at", "history", "photo_preview")

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        # A trainer being added has no record yet: starts as a draft at version 1.
        return self.fieldsets if obj is not None else self.fieldsets[:2]

    @admin.display(description="photo")
    def thumbnail(self, obj: Trainer) -> str | None:
        return photo_img(obj, size=40, square=True) or None  # None: the admin's empty-value dash

    @admin.display(description="current photo")
    def photo_preview(self, obj: Trainer) -> str:
        return photo_img(obj, size=160) or "No uploaded photo."

    @admin.display(description="name", ordering="last_name")
    def full_name(self, obj: Trainer) -> str:
        return str(obj)

    @admin.display(description="event history")
    def history(self, obj: Trainer) -> str:
        recent = trainer_events(obj.pk, limit=HISTORY_SHOWN)
        lines = format_html_join(
            "",
            "<li>v{} {} by {} on {}</li>",
            (
                (e.version, e.command, e.actor_name, f"{localtime(e.occurred_at):%Y-%m-%d %H:%M}")
                for e in recent
            ),
        )
        url = reverse("admin:trainers_event_changelist")
        query = urlencode({"aggregate_type": "trainer", "aggregate_id": str(obj.pk)})
        return format_html('<ul>{}</ul><a href="{}?{}">All events</a>', lines, url, query)

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
