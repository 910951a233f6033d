"""A stale save that keeps the second person's work.

When a save is refused because someone else saved the record after the page was
loaded (``VersionConflict``), the page comes back with everything typed still in it
and a panel that says who changed the record and when, and, for each field both
people changed, the value when the page was loaded, theirs and yours. One button
("Apply my changes on top of theirs") saves again at the current version: the fields
only they changed take their values (``rebase``), every other field is yours.

What they changed comes from their events' ``changes`` (old and new values), so no
copy of the page's original values has to travel with the form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db.models import Model, QuerySet
from django.http import HttpRequest, QueryDict

from trainers.handlers._base import event_value
from trainers.history import Names, summary
from trainers.models import Event

ON_TOP = "_on_top"  # the button: its value is the version the rebased save expects
KEEP_THEIRS = "_keep_theirs"  # the fields the rebased save takes from the stored record


@dataclass(frozen=True)
class Clash:
    label: str
    original: str
    theirs: str
    yours: str


@dataclass
class Conflict:
    version: int  # the record's version now
    loaded: int  # the version the page was loaded at
    events: list[tuple[Event, str]]  # what happened since, with each event's summary
    clashes: list[Clash] = field(default_factory=list)  # fields both changed, differently
    keep_theirs: list[str] = field(default_factory=list)  # fields only they changed
    kept_labels: list[str] = field(default_factory=list)

    @property
    def who(self) -> str:
        names = dict.fromkeys(e.actor_name or "system" for e, _ in self.events)
        return ", ".join(names) or "someone"


def describe(
    form: forms.ModelForm[Any], current: Model, events: QuerySet[Event], loaded: int
) -> Conflict:
    """The conflict of ``form`` (the refused page, bound to what was typed) with the
    ``current`` record, given the ``events`` written since version ``loaded``."""
    since = list(events.filter(version__gt=loaded).order_by("id"))
    original: dict[str, Any] = {}
    for event in since:
        for name, change in event.changes.items():
            original.setdefault(name, change.get("old"))
    conflict = Conflict(
        version=current.version,  # type: ignore[attr-defined]
        loaded=loaded,
        events=[(e, summary(e)) for e in since],
    )
    names = Names()
    model = type(current)
    for name in original:
        if name not in form.fields or form.fields[name].widget.is_hidden:
            continue
        theirs = _stored(current, name)
        yours = _typed(form, name)
        label = str(form.fields[name].label or name)
        if yours == original[name] or yours is _UNKNOWN:
            conflict.keep_theirs.append(name)
            conflict.kept_labels.append(label)
        elif yours != theirs:
            conflict.clashes.append(
                Clash(
                    label,
                    names.show(model, name, original[name]),
                    names.show(model, name, theirs),
                    names.show(model, name, yours),
                )
            )
    return conflict


_UNKNOWN = object()


def _stored(current: Model, name: str) -> Any:
    value = getattr(current, name)
    if hasattr(value, "all"):  # many-to-many: the slugs, as events hold them
        return sorted(event_value(v) for v in value.all())
    return event_value(value)


def _typed(form: forms.ModelForm[Any], name: str) -> Any:
    cleaned = getattr(form, "cleaned_data", {})
    if name not in cleaned:
        return _UNKNOWN  # the field itself was invalid: nothing to compare
    value = cleaned[name]
    if isinstance(value, QuerySet | list | tuple):
        return sorted(event_value(v) for v in value)
    if isinstance(value, str):
        return value.strip()
    return event_value(value)


def rebase(request: HttpRequest, form: forms.ModelForm[Any]) -> QueryDict:
    """The POST of "Apply my changes on top of theirs": the fields only they changed set
    to the stored values (``form`` is an unbound form of the stored record), and the
    version to expect the current one. A record changed yet again is refused again."""
    data = request.POST.copy()
    for name in request.POST.getlist(KEEP_THEIRS):
        if name not in form.fields:
            continue
        value = form[name].value()
        if isinstance(value, list | tuple):
            data.setlist(name, [str(getattr(v, "pk", v)) for v in value])
        else:
            data[name] = "" if value is None else str(value)
    data["loaded_version"] = request.POST.get(ON_TOP, "")
    return data
