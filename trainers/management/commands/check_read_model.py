from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from trainers.projection import read_model_check


class Command(BaseCommand):
    help = "Report every difference between the read model and a fresh rebuild; exit 1 if any."

    def handle(self, *args: Any, **options: Any) -> None:
        differences = read_model_check()
        for difference in differences:
            self.stdout.write(str(difference))
        if differences:
            raise CommandError(
                f"{len(differences)} differences: run `manage.py rebuild_read_model`."
            )
        self.stdout.write(self.style.SUCCESS("Read model is in step with the write model."))
