from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from trainers.projection import read_model_check, read_model_rebuild


class Command(BaseCommand):
    help = "Re-derive the read model (schema `read`) from the write model, in one transaction."

    def handle(self, *args: Any, **options: Any) -> None:
        stale = len(read_model_check())
        read_model_rebuild()
        self.stdout.write(self.style.SUCCESS(f"Read model rebuilt ({stale} rows corrected)."))
