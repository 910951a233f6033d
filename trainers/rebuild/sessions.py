"""Jobs run side by side in sessions (connections) of their own, one thread each."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import connections

from trainers.rebuild.common import silent

# Sessions (connections) that build the shadow side by side, from one snapshot: the
# derivation is CPU work, and one session uses one core. Inside an enclosing transaction
# (tests) the build runs in that transaction's own session, whose uncommitted rows no
# other session can see.
BUILD_SESSIONS = 2

Job = Callable[[Any], Any]


def in_sessions(
    alias: str, jobs: list[tuple[str, Job]], *, progress: Callable[[str], None] = silent
) -> list[tuple[str, Any, tuple[float, float]]]:
    """Run ``jobs`` (label, function of a connection) in BUILD_SESSIONS threads, each
    with a connection of its own; call ``progress(label)`` here, in the caller's
    thread, when a label's first job starts. Returns (label, result, (start, end))
    per job; raises the first error once every thread has stopped."""
    pending: queue.SimpleQueue[tuple[str, Job]] = queue.SimpleQueue()
    for item in jobs:
        pending.put(item)
    events: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()

    def session() -> None:
        connection = connections[alias]
        try:
            while True:
                try:
                    label, job = pending.get_nowait()
                except queue.Empty:
                    return
                events.put(("start", label))
                started = time.perf_counter()
                result = job(connection)
                events.put(("done", (label, result, (started, time.perf_counter()))))
        except BaseException as exc:  # handed to the caller's thread, raised there
            events.put(("error", exc))
        finally:
            connection.close()
            events.put(("stopped", None))

    threads = [
        threading.Thread(target=session, name=f"read-model-build-{n}", daemon=True)
        for n in range(min(BUILD_SESSIONS, len(jobs)))
    ]
    for thread in threads:
        thread.start()
    results: list[tuple[str, Any, tuple[float, float]]] = []
    errors: list[BaseException] = []
    started: set[str] = set()
    running = len(threads)
    while running:
        kind, value = events.get()
        if kind == "start" and value not in started:
            started.add(value)
            try:
                progress(value)
            except BaseException as exc:
                errors.append(exc)
        elif kind == "done":
            results.append(value)
        elif kind == "error":
            errors.append(value)
        elif kind == "stopped":
            running -= 1
        if errors:  # the sessions stop after the job at hand
            while True:
                try:
                    pending.get_nowait()
                except queue.Empty:
                    break
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results
