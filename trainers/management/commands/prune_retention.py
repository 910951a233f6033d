"""``manage.py prune_retention``: the retention job by hand (trainers/retention.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from trainers.retention import prune


class Command(BaseCommand):
    help = (
        "Delete idempotency records older than IDEMPOTENCY_TTL_HOURS and change-feed entries "
        "older than CHANGE_RETENTION_DAYS."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = prune()
        if not result.ran:
            raise CommandError("Another prune is running; nothing was done. Try again shortly.")
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Pruned {result.idempotency_records} idempotency records "
                    f"and {result.changes} changes."
                )
            )
