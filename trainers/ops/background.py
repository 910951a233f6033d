"""Rebuilds (and checks, on request) started over HTTP run in a thread of the serving process;
the run row tracks them."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

from django.db import connections

from trainers.models import ReadModelRun
from trainers.runs import run_check, run_rebuild

_threads: dict[int, threading.Thread] = {}


def rebuild_in_background(run: ReadModelRun) -> None:
    _start(run, lambda: run_rebuild(run))


def check_in_background(run: ReadModelRun) -> None:
    _start(run, lambda: run_check(run))


def _start(run: ReadModelRun, work: Callable[[], object]) -> None:
    def target() -> None:
        try:
            with contextlib.suppress(Exception):  # logged and recorded on the run
                work()
        finally:
            connections.close_all()

    thread = threading.Thread(target=target, name=f"read-model-{run.kind}-{run.pk}", daemon=True)
    _threads[run.pk] = thread
    thread.start()


def wait_for_rebuilds(timeout: float = 60.0) -> None:
    """Join the background threads this process started (tests, graceful shutdown)."""
    for run_id, thread in list(_threads.items()):
        thread.join(timeout)
        if not thread.is_alive():
            _threads.pop(run_id, None)
