"""Admin pages as a browser submits them: the rendered form's values, then the test's edits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.messages import get_messages
from django.forms import BaseForm, ModelMultipleChoiceField, MultipleChoiceField
from django.utils.html import strip_tags

from trainers.models import Event

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response


def form_data(response: Response) -> dict[str, Any]:
    """The POST body of an admin add/change page exactly as rendered (nothing edited)."""
    context = response.context
    forms: list[BaseForm] = [context["adminform"].form]
    data: dict[str, Any] = {}
    for inline in context["inline_admin_formsets"]:
        formset = inline.formset
        forms.extend([formset.management_form, *formset.forms])
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(form.fields[name], MultipleChoiceField | ModelMultipleChoiceField):
                data[key] = [str(v) for v in value or ()]
            else:
                data[key] = "" if value is None else str(value)
    return data


def messages_of(response: Response) -> list[str]:
    """The messages as a person reads them (an Undo button reads "Undo")."""
    return [strip_tags(str(m)) for m in get_messages(response.wsgi_request)]


def events(aggregate_id: object, aggregate_type: str = "trainer") -> list[Event]:
    return list(Event.objects.filter(aggregate_type=aggregate_type, aggregate_id=str(aggregate_id)))


def body(response: Any) -> bytes:
    """A streamed response's whole body (a CSV export)."""
    return b"".join(response.streaming_content)
