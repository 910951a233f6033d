"""The development PostgreSQL: a real server under ``.data/pg``, started on demand.

Used only when ``DATABASE_URL`` is unset. Every process of the project (the
server, ``manage.py``, pytest and its workers) attaches to the same data
folder; pgserver counts the attached processes and the last one to exit stops
the server. It listens on a unix socket only, so it never clashes with a
PostgreSQL on port 5432.
"""

from __future__ import annotations

import contextlib
import json
import signal
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

import psutil

DATABASE_NAME = "trainers"


def _forget_dead_processes(pgdata: Path) -> None:
    """Drop PIDs of processes that died without their exit hook (SIGKILL, OOM).

    Otherwise a killed process would keep the server alive forever, because
    pgserver stops it only when the last registered PID detaches.
    """
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        pids = None  # torn or empty (a process died mid-write): pgserver itself would choke on it
    if not isinstance(pids, list):
        handles.write_text("[]")
        return
    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def start(data_dir: Path) -> dict[str, Any]:
    """Start (or attach to) the embedded server; return Django connection settings."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI); its /tmp fallback is fine.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        from pgserver.postgres_server import PostgresServer, get_server

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = (data_dir / "pg").resolve()
    pgdata.mkdir(exist_ok=True)
    with PostgresServer._lock:
        _forget_dead_processes(pgdata)
    server = get_server(pgdata, cleanup_mode="stop")
    _exit_cleanly_on_sigterm()
    info = server.get_postmaster_info()
    settings = {
        "HOST": str(info.socket_dir),
        "PORT": str(info.port or 5432),
        "USER": "postgres",
        "PASSWORD": "",
        "NAME": DATABASE_NAME,
    }
    _ensure_database(settings)
    return settings


def _exit_cleanly_on_sigterm() -> None:
    """Turn SIGTERM into a normal exit, so pgserver's exit hook detaches (and maybe stops).

    SIGTERM's default action ends a process without running exit hooks. uvicorn
    installs its own handler while serving and, once it has shut down, restores
    the previous one and raises the signal again: with this handler in place,
    ``make run`` stopped by SIGTERM stops the embedded server as well.
    """
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def _ensure_database(settings: dict[str, Any]) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        dbname="postgres",
        autocommit=True,
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (settings["NAME"],)
        ).fetchone()
        if not exists:
            # Another process may create it first.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(settings["NAME"])))
