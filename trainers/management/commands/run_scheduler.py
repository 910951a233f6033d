"""Run scheduled status changes when they are due (the compose service ``scheduler``).

    manage.py run_scheduler            # every second until SIGTERM or SIGINT
    manage.py run_scheduler --once     # the changes due now, then exit

Any number may run at once: each change runs exactly once (``handlers.schedule``).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from trainers.handlers.schedule import run_due
from trainers.scheduler import loop


class Command(BaseCommand):
    help = "Run scheduled status changes when they are due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            self.stdout.write(f"ran {run_due()} scheduled change(s)")
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        loop(stop)
