from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from trainers.management.commands._progress import phase_bar
from trainers.management.commands.rebuild_read_model import _os_user
from trainers.models import ReadModelRun
from trainers.rebuild import check_phases
from trainers.runs import run_check, run_start


class Command(BaseCommand):
    help = "Report every difference between the read model and a fresh rebuild; exit 1 if any."

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        run = run_start(ReadModelRun.Kind.CHECK, actor_name=f"manage.py ({_os_user()})")
        with phase_bar(check_phases(), verbosity=verbosity, desc="check") as progress:
            run, differences = run_check(run, progress=progress)
        for difference in differences:
            self.stdout.write(str(difference))
        if differences:
            raise CommandError(
                f"{len(differences)} differences: run `manage.py rebuild_read_model`."
            )
        if verbosity:
            self.stdout.write(self.style.SUCCESS("Read model is in step with the write model."))
