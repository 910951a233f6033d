"""The scheduler's loop: run the due scheduled changes (``handlers.schedule.run_due``) every
``INTERVAL`` seconds until told to stop. ``manage.py run_scheduler`` runs it in the
foreground; ``BackgroundScheduler`` in a thread of another process (an app server)."""

from __future__ import annotations

import logging
import threading

from django.db import connection

from trainers.handlers.schedule import run_due

INTERVAL = 1.0  # seconds between passes: a change runs within this of its time
logger = logging.getLogger(__name__)


def loop(stop: threading.Event, interval: float = INTERVAL) -> None:
    """Pass after pass until ``stop`` is set; a failed pass is logged, not fatal.

    The loop keeps its one connection from pass to pass (``CONN_MAX_AGE`` is for
    requests): reconnecting every second cost an app server ~1.5% of a core while idle,
    and a thread that wakes to do it takes the GIL from the event loop. A failed pass
    (a lost database, say) closes it; the next pass connects again."""
    try:
        while not stop.is_set():
            try:
                run_due()
            except Exception:
                logger.exception("scheduler pass failed")
                connection.close()
            stop.wait(interval)
    finally:
        connection.close()


class BackgroundScheduler:
    """The loop in a daemon thread, with its own database connection."""

    def __init__(self, interval: float = INTERVAL) -> None:
        self.interval = interval
        self.stopping = threading.Event()
        self.thread = threading.Thread(
            target=loop, args=(self.stopping, interval), name="scheduler", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        self.thread.join(timeout)
