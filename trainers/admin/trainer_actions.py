"""Admin actions on the selected trainers: one command per trainer, each reported."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from uuid import uuid4

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from trainers import commands as c
from trainers import errors
from trainers.admin.base import apply_to_each
from trainers.cqrs import Actor
from trainers.errors import DomainError
from trainers.handlers import dispatch
from trainers.handlers.status import TRANSITIONS, StatusCommand, status_path
from trainers.models import Trainer
from trainers.selectors import specialty_list

if TYPE_CHECKING:
    Action = Callable[
        [admin.ModelAdmin[Trainer], HttpRequest, QuerySet[Trainer]], TemplateResponse | None
    ]


def _status_action(
    name: str, command: type[StatusCommand], description: str, verb: tuple[str, str]
) -> Action:
    """An action that runs ``command`` for each selected trainer; ``name`` is its form value.

    First a confirmation page (how many, which, how many cannot take the change); then
    one command per trainer, and the success line offers Undo.
    """
    infinitive = verb[0].format("{count} trainer{plural}")

    @admin.action(description=description, permissions=["change"])
    def action(
        modeladmin: admin.ModelAdmin[Trainer], request: HttpRequest, queryset: QuerySet[Trainer]
    ) -> TemplateResponse | None:
        if "apply" not in request.POST:
            sources = TRANSITIONS[command][1]
            count = queryset.count()
            title = infinitive.format(count=count, plural=pluralize(count)).capitalize()
            context = selection_context(modeladmin, request, queryset, f"{title}?", name)
            context["stuck"] = queryset.exclude(status__in=sources).count()
            context["button"] = f"Yes, {infinitive.format(count=count, plural=pluralize(count))}"
            return TemplateResponse(request, "admin/trainers/trainer/confirm_status.html", context)
        previous = dict(queryset.values_list("pk", "status"))
        apply_to_each(
            modeladmin,
            request,
            queryset,
            lambda t: command(t.pk),
            verb,
            offer=lambda done: undo_button(request, done, previous),
        )
        return None

    action.__name__ = action.__qualname__ = name
    return action


def selection_context(
    modeladmin: admin.ModelAdmin[Trainer],
    request: HttpRequest,
    queryset: QuerySet[Trainer],
    title: str,
    action: str,
) -> dict[str, Any]:
    """What a page that confirms an action on the selection shows and sends back."""
    select_across = request.POST.get("select_across") == "1"
    return {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "subtitle": None,
        "opts": modeladmin.opts,
        "action": action,
        # "Select all" may mean thousands of trainers: carry the flag, not every id.
        "select_across": select_across,
        "selected": [] if select_across else request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
        "count": queryset.count(),
        "trainers": queryset[:SHOWN],
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media,
    }


SHOWN = 20  # trainers named on a confirmation page; the rest are counted
UNDO_KEY = "trainers_undo"
UNDO_KEPT = 10  # the latest bulk changes one may still undo, per session


def undo_button(request: HttpRequest, done: list[tuple[Any, Any]], previous: dict[Any, str]) -> str:
    """Remember how to undo this bulk change (in the session) and render its Undo button."""
    token = uuid4().hex
    undo = request.session.get(UNDO_KEY, {})
    undo[token] = [[str(t.pk), result.version, previous[t.pk]] for t, result in done]
    request.session[UNDO_KEY] = dict(list(undo.items())[-UNDO_KEPT:])
    return format_html(
        '<form method="post" action="{}" class="undo-form" style="display:inline">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<button type="submit" class="button">Undo</button></form>',
        reverse("admin:trainers_trainer_undo", args=[token]),
        get_token(request),
    )


def undo(request: HttpRequest, token: str) -> tuple[int, list[tuple[object, DomainError]]]:
    """Put each trainer of a remembered bulk change back to its previous status.

    Each trainer's reverse commands expect the version the change left it at: one
    changed since is refused (and reported), not overwritten. Each trainer's commands
    are one transaction. Returns how many went back, and the refusals.
    """
    undo_log = request.session.get(UNDO_KEY, {})
    entries = undo_log.pop(token, None)
    request.session[UNDO_KEY] = undo_log
    if entries is None:
        raise DomainError(UNDO_GONE)
    actor = Actor.of(request.user)
    back, failures = 0, list[tuple[object, DomainError]]()
    for trainer_id, version, previous in entries:
        trainer = Trainer.objects.filter(pk=trainer_id).first()
        if trainer is None:
            continue
        try:
            with transaction.atomic():
                for command in status_path(trainer.status, previous):
                    version = dispatch(command(trainer.pk, version), actor=actor).version
        except errors.VersionConflict as conflict:
            changed = UNDO_CHANGED_SINCE.format(version=conflict.actual)
            failures.append((trainer, errors.RuleViolation(changed)))
        except DomainError as error:
            failures.append((trainer, error))
        else:
            back += 1
    return back, failures


UNDO_CHANGED_SINCE = "it was changed since (now at version {version}); left as it is."
UNDO_GONE = "This change can no longer be undone here (it was undone already, or is too old)."

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
    context = selection_context(
        modeladmin, request, queryset, "Assign a specialty", "assign_specialty"
    )
    context["form"] = form
    return TemplateResponse(request, "admin/trainers/trainer/assign_specialty.html", context)
