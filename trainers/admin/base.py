"""Admin pages as thin adapters over the command handlers.

Every save, delete and action of a ``CommandAdmin`` builds commands and hands
them to the handlers; nothing calls ``Model.save()`` or ``QuerySet.delete()``.

A refused command (a ``DomainError``) must come back as a form error, not a 500.
The handlers only see the data once the admin has validated the form, so the
error can't be raised during validation. Instead the admin's add/change view
runs twice:

1. The first pass validates and saves as usual. If a handler refuses, the
   exception leaves Django's ``transaction.atomic`` around the view, which
   rolls back every command of that save (the trainer, its certifications,
   its classes: all or nothing).
2. The second pass runs the same view over the same POST data with the error
   remembered on the request: ``get_form`` and ``get_formset_kwargs`` hand it
   to the form, or the inline row, that caused it, whose ``clean()`` adds it.
   Validation fails, so Django itself renders the page with the submitted
   values and the error beside its field, and saves nothing.

Only public ``ModelAdmin`` hooks are involved. Should a second pass still reach
a handler that refuses (the data changed again in between), the error becomes
an admin message and the page reloads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected as confirm_delete_selected
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.db import DataError
from django.db.models import Model, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from trainers.access import branch_scope
from trainers.admin import conflicts, errors
from trainers.cqrs import Actor
from trainers.errors import DomainError, VersionConflict
from trainers.handlers import dispatch
from trainers.models import Event
from trainers.selectors import in_branches

_REFUSED = "_trainers_admin_refused"


class SafeFilters:
    """Change-list filters a client wrote by hand are refused the admin's way, never a 500.

    A value the column's type cannot take (an id past bigint, a malformed IP address)
    becomes Django's ``IncorrectLookupParameters``: the admin redirects to ``?e=1`` and
    then shows its "invalid setup" page. (A NUL character never gets here: the staff
    site refuses it with a 400, trainers/adminsite.py.)
    """

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        try:
            return super().get_changelist_instance(request)  # type: ignore[misc]
        except (DataError, ValueError, ValidationError) as exc:
            # A value the column cannot hold, or its field cannot even parse (an IP address).
            raise IncorrectLookupParameters(str(exc)) from exc


class SaveRefused(Exception):
    """A handler refused a command of an admin save; where to show why."""

    def __init__(self, error: DomainError, prefix: str | None = None, index: int = 0) -> None:
        super().__init__(error.message)
        self.error = error
        self.prefix = prefix  # the inline formset's prefix, None for the main form
        self.index = index  # the row in that formset


def whole_number(value: str) -> int | None:
    """A version or event id sent by a page: ASCII digits that fit a bigint, else None
    ("²".isdigit() is true, and int() of it fails)."""
    if re.fullmatch(r"[0-9]{1,18}", value):
        return int(value)
    return None


def run(request: HttpRequest, command: object) -> Any:
    """Hand a command to its handler on behalf of the logged-in staff user."""
    return dispatch(command, actor=Actor.of(request.user))


def adopt(obj: Model, saved: Model) -> None:
    """Make the admin's in-memory object the row a handler saved (id, version, timestamps)."""
    for field in obj._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db


def apply_to_each(
    modeladmin: admin.ModelAdmin[Any],
    request: HttpRequest,
    objects: Iterable[Model],
    command: Callable[[Any], object],
    verb: tuple[str, str],
    offer: Callable[[list[tuple[Model, Any]]], str] | None = None,
) -> list[Model]:
    """Run one command per object, each in its own transaction; report per object.

    ``offer``: given each accepted object with its handler's result, safe HTML to add to
    the success line (an Undo button). Returns the objects whose command was accepted.
    """
    done: list[tuple[Model, Any]] = []
    failures: list[tuple[object, DomainError]] = []
    for obj in objects:
        try:
            result = run(request, command(obj))
        except DomainError as error:
            failures.append((obj, error))
        else:
            done.append((obj, result))
    extra = offer(done) if offer is not None and done else ""
    errors.report(request, modeladmin.opts, verb, len(done), failures, extra=extra)
    return [obj for obj, _ in done]


class CommandForm(forms.ModelForm[Any]):
    """A model form saved by commands.

    It carries the version its object had when the page was loaded
    (``loaded_version``, hidden), which the save sends as ``expected_version``:
    a form left open while someone else saved is refused, not applied over
    their change.
    """

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    refused: DomainError | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            self.fields["loaded_version"].initial = self.instance.version
            self.fields["loaded_version"].required = True

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if self.refused is not None:
            errors.attach(self, self.refused)
        return cleaned


class CommandInlineFormSet(BaseInlineFormSet[Any, Any, Any]):
    """An inline whose rows are saved by commands; shows the row a handler refused."""

    def __init__(self, *args: Any, refused: SaveRefused | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.refused = refused

    def clean(self) -> None:
        super().clean()
        if self.refused is None:
            return
        row = self.forms[self.refused.index] if self.refused.index < len(self.forms) else None
        if row is not None and row not in self.deleted_forms:
            errors.attach(row, self.refused.error)
        else:
            # A deleted row's errors are not shown (nor counted): the formset's are.
            raise forms.ValidationError(errors.describe(self.refused.error))


class CommandAdmin(SafeFilters, admin.ModelAdmin[Any]):
    """Saves and deletes through command handlers (see the module docstring)."""

    form = CommandForm
    # Whether ``delete_command`` exists for this model; without it nothing can be deleted.
    deletable = False
    actions = ["delete_selected"]
    # The handlers' name for this model in a VersionConflict, and its events' aggregate type:
    # a stale save shows who changed the record and keeps what was typed (``conflicts``).
    entity = ""
    aggregate_type = ""
    # Trainers and classes: a branch manager (``access``) lists and picks only their branches.
    branch_scoped = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if self.branch_scoped:
            return in_branches(queryset, branch_scope(request.user.pk))
        return queryset

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scope = branch_scope(request.user.pk) if self.branch_scoped else None
        if scope is not None and db_field.name in ("branch", "trainer"):
            queryset = db_field.remote_field.model._default_manager.all()
            kwargs["queryset"] = (
                in_branches(queryset, scope)
                if db_field.name == "trainer"
                else (queryset.filter(pk__in=scope))
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def aggregate_id(self, obj: Any) -> str:
        return str(obj.pk)

    # Hooks for subclasses ---------------------------------------------------------------

    def save_row(
        self, request: HttpRequest, parent: Model, row: forms.ModelForm[Any], action: str
    ) -> Model:
        """Run the command for one inline row (``action``: add, change or remove)."""
        raise NotImplementedError

    def delete_command(self, obj: Any) -> object:
        raise NotImplementedError

    # Saving -----------------------------------------------------------------------------

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        if request.method == "POST" and conflicts.ON_TOP in request.POST and object_id:
            obj = self.get_object(request, object_id)
            if obj is not None:
                stored = self.get_form(request, obj, change=True)(instance=obj)
                request.POST = conflicts.rebase(request, stored)  # type: ignore[assignment]
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as error:
            refused = SaveRefused(error)
        except SaveRefused as exc:
            refused = exc
        if isinstance(refused.error, VersionConflict) and refused.error.entity == self.entity:
            # The record itself is stale (a certification row expects its version too):
            # the conflict belongs to the page, not to a row.
            refused = SaveRefused(refused.error)
        setattr(request, _REFUSED, refused)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (DomainError, SaveRefused) as exc:
            again = exc.error if isinstance(exc, SaveRefused) else exc
            messages.error(request, errors.describe(again))
            return HttpResponseRedirect(request.get_full_path())

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> HttpResponse:
        """A stale save: the conflict panel (``conflicts``) in place of "Please correct the
        error below", which would point at nothing to correct."""
        form = context["adminform"].form
        refused = getattr(form, "refused", None)
        if isinstance(refused, VersionConflict) and obj is not None and self.aggregate_type:
            current = type(obj)._default_manager.get(pk=obj.pk)  # obj holds the typed values
            events = Event.objects.filter(
                aggregate_type=self.aggregate_type, aggregate_id=self.aggregate_id(current)
            )
            loaded = refused.expected
            context["conflict"] = conflicts.describe(form, current, events, loaded)
            only_conflict = set(form.errors) == {"__all__"} and len(form.non_field_errors()) == 1
            if only_conflict and not any(
                fs.formset.total_error_count() for fs in context["inline_admin_formsets"]
            ):
                context["errors"] = []
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Any]]:
        form = super().get_form(request, obj, change, **kwargs)
        refused: SaveRefused | None = getattr(request, _REFUSED, None)
        if refused is not None and refused.prefix is None:
            return type(form.__name__, (form,), {"refused": refused.error})
        return form

    def get_formset_kwargs(
        self, request: HttpRequest, obj: Any, inline: Any, prefix: str
    ) -> dict[str, Any]:
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        refused: SaveRefused | None = getattr(request, _REFUSED, None)
        if refused is not None and refused.prefix == prefix:
            kwargs["refused"] = refused
        return kwargs

    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm[Any],
        formsets: Any,
        change: bool,
    ) -> None:
        # No ``form.save_m2m()``: many-to-many fields are saved by ``save_model``'s commands.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(
        self,
        request: HttpRequest,
        form: forms.ModelForm[Any],
        formset: Any,
        change: bool,
    ) -> None:
        """One command per added, changed or removed inline row."""
        # What ``formset.save()`` would have set, for the admin's change message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        deleted = formset.deleted_forms
        for index, row in enumerate(formset.forms):
            new = row.instance._state.adding
            if row in deleted:
                if new:
                    continue
                action = "remove"
            elif not row.has_changed():
                continue
            else:
                action = "add" if new else "change"
            try:
                saved = self.save_row(request, form.instance, row, action)
            except DomainError as error:
                raise SaveRefused(error, prefix=formset.prefix, index=index) from error
            if action == "add":
                formset.new_objects.append(saved)
            elif action == "change":
                formset.changed_objects.append((saved, row.changed_data))
            else:
                formset.deleted_objects.append(row.instance)

    # Deleting ---------------------------------------------------------------------------

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.deletable and super().has_delete_permission(request, obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        run(request, self.delete_command(obj))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        """One command per object; each success or failure is reported."""
        deleted = apply_to_each(
            self, request, queryset, self.delete_command, ("delete {}", "Deleted {}")
        )
        # Django's own delete view logs a list too; the stubs only know querysets.
        self.log_deletions(request, cast("QuerySet[Any]", deleted))

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except DomainError as error:
            # The view's transaction rolled back, its log entry included.
            messages.error(request, errors.describe(error))
            return HttpResponseRedirect(request.get_full_path())

    @admin.action(permissions=["delete"], description="Delete selected %(verbose_name_plural)s")
    def delete_selected(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        """Django's confirmation page, then one delete command per object.

        Replaces Django's action, whose success message counts the selection
        rather than what was deleted.
        """
        if request.POST.get("post"):
            self.delete_queryset(request, queryset)
            return None
        return confirm_delete_selected(self, request, queryset)
