"""Refused commands as admin feedback, in one place: form errors for saves, messages for actions."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import model_ngettext
from django.db.models import Model
from django.db.models.options import Options
from django.http import HttpRequest
from django.utils.html import format_html

from trainers.errors import DomainError, VersionConflict

STALE_FORM = (
    "This record was changed by someone else while you were editing it (it is now at "
    "version {actual}, this form was loaded at version {expected}). Nothing was saved: "
    "reload the page to see their changes, then make yours again."
)
FAILED = "Could not {action}: {reason}"
MORE_FAILURES = "… and {count} more failed."
# Enough failures to act on; the rest are summed up, so that a big selection stays readable.
MAX_FAILURE_MESSAGES = 20


def describe(error: DomainError) -> str:
    """The one-line reason for a person at the admin."""
    if isinstance(error, VersionConflict):
        return STALE_FORM.format(actual=error.actual, expected=error.expected)
    return error.message


def form_errors(error: DomainError) -> dict[str | None, list[str]]:
    """The messages of a refused command by field name; ``None`` is the form as a whole."""
    if isinstance(error, VersionConflict) or not error.errors:
        return {None: [describe(error)]}
    return {
        (None if field == "non_field_errors" else field): list(reasons)
        for field, reasons in error.errors.items()
    }


def attach(form: forms.BaseForm, error: DomainError) -> None:
    """Show a refused command on the form that was submitted, beside the field it names.

    A form whose field has another name than the command's maps it in ``error_fields``.
    """
    aliases: dict[str, str] = getattr(form, "error_fields", {})
    for named, reasons in form_errors(error).items():
        field = aliases.get(named, named) if named else named
        if field in form.fields and not form.fields[field].widget.is_hidden:
            form.add_error(field, reasons)
        else:
            # A field the form doesn't show (status, the trainer of a class row).
            label = f"{field.replace('_', ' ').capitalize()}: " if field else ""
            form.add_error(None, [f"{label}{reason}" for reason in reasons])


def report(
    request: HttpRequest,
    opts: Options[Model],
    verb: tuple[str, str],
    done: int,
    failures: Sequence[tuple[object, DomainError]],
    extra: str = "",
) -> None:
    """The outcome of an action, object by object: one success line, one line per failure.

    ``verb`` holds the infinitive and the past tense, ``{}`` standing for what
    was acted on: ``("put {} on leave", "Put {} on leave")``. ``extra``: safe HTML
    after the success line (an Undo button).
    """
    infinitive, past = verb
    if done:
        line = past.format(f"{done} {model_ngettext(opts, done)}") + "."
        messages.success(request, format_html("{} {}", line, extra) if extra else line)
    for obj, error in failures[:MAX_FAILURE_MESSAGES]:
        action = infinitive.format(obj)
        messages.error(request, FAILED.format(action=action, reason=describe(error)))
    if len(failures) > MAX_FAILURE_MESSAGES:
        messages.error(request, MORE_FAILURES.format(count=len(failures) - MAX_FAILURE_MESSAGES))
