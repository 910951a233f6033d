"""The event log, read-only: what each accepted command did, when, and who sent it."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from trainers.admin.base import SafeFilters
from trainers.models import Event


@admin.register(Event)
class EventAdmin(SafeFilters, admin.ModelAdmin[Event]):
    list_display = ("occurred_at", "aggregate_type", "aggregate_id", "command", "version", "actor")
    list_filter = ("aggregate_type", "command")
    # Exact matches: ids are looked up whole, and the index serves them.
    search_fields = ("=aggregate_id", "=actor_name")
    date_hierarchy = "occurred_at"
    ordering = ("-id",)
    show_full_result_count = False
    fields = (
        "occurred_at",
        "aggregate_type",
        "aggregate_id",
        "command",
        "version",
        "actor",
        "actor_name",
        "payload_json",
    )
    readonly_fields = fields

    @admin.display(description="payload")
    def payload_json(self, obj: Event) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True))

    # The log is written by command handlers only; nobody edits history.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
