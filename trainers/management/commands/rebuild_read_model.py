from __future__ import annotations

import getpass
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from trainers.management.commands._progress import phase_bar
from trainers.models import ReadModelRun
from trainers.rebuild import rebuild_phases
from trainers.runs import run_rebuild, run_start


class Command(BaseCommand):
    help = (
        "Rebuild the read model (schema `read`) from the write model without downtime: "
        "build shadow tables, then swap them in with one short transaction."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = options["verbosity"]
        run = run_start(ReadModelRun.Kind.REBUILD, actor_name=f"manage.py ({_os_user()})")
        with phase_bar(rebuild_phases(), verbosity=verbosity, desc="rebuild") as progress:
            run = run_rebuild(run, progress=progress)
        if run.state != ReadModelRun.State.SUCCEEDED:
            raise CommandError(run.error)
        if verbosity:
            result = run.result
            rows = ", ".join(f"{rel} {r['rows']}" for rel, r in result["relations"].items())
            self.stdout.write(
                self.style.SUCCESS(
                    f"Read model rebuilt in {result['seconds']} s (run #{run.pk}): {rows}; "
                    f"{run.differences} rows corrected; "
                    f"the swap paused writers {result['writers_blocked_ms']} ms "
                    f"and readers {result['readers_blocked_ms']} ms."
                )
            )


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
