"""The embedded development PostgreSQL (``config/embedded_pg.py``) on a data folder of its own.

Each test gets a fresh, short data folder under /tmp (a unix socket path must
stay under ~100 characters) and never touches the project's ``.data/``. The
processes that attach to the server are real subprocesses driven line by line
over stdin/stdout, so their exit hooks run exactly as they would in the
project. Everything a test starts is stopped by PID when it ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from config import embedded_pg

ROOT = Path(__file__).resolve().parents[2]
STEP_TIMEOUT = 60.0

# A process of the project attaching to the embedded server. Commands on stdin:
# "query" answers with what the server says; "exit" returns normally (atexit runs).
ATTACH = """
import json, sys
from pathlib import Path

import psycopg

from config import embedded_pg

settings = embedded_pg.start(Path(sys.argv[1]))
pgdata = Path(sys.argv[1]) / "pg"


def answer(payload):
    sys.stdout.write(json.dumps(payload) + "\\n")
    sys.stdout.flush()


def query():
    with psycopg.connect(
        host=settings["HOST"], port=settings["PORT"], user=settings["USER"],
        dbname=settings["NAME"], connect_timeout=5,
    ) as conn:
        database = conn.execute("SELECT current_database()").fetchone()[0]
        databases = [row[0] for row in conn.execute("SELECT datname FROM pg_database")]
    postmaster_pid = int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    return {
        "settings": settings,
        "current_database": database,
        "databases": databases,
        "postmaster_pid": postmaster_pid,
    }


answer(query())
for line in sys.stdin:
    command = line.strip()
    if command == "query":
        answer(query())
    elif command == "exit":
        break
"""


class Attached:
    """One subprocess attached to the embedded server."""

    def __init__(self, data_dir: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", ATTACH, str(data_dir)],
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.pid = self.process.pid
        self.first = self._read_answer()

    def _read_answer(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout=STEP_TIMEOUT):
                raise AssertionError(f"process {self.pid} did not answer in {STEP_TIMEOUT}s")
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(timeout=STEP_TIMEOUT)
            stderr = self.process.stderr.read() if self.process.stderr else ""
            raise AssertionError(f"process {self.pid} exited early:\n{stderr}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def _send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def query(self) -> dict[str, Any]:
        self._send("query")
        return self._read_answer()

    def exit(self) -> None:
        """Return normally, so that pgserver's atexit hook detaches (and maybe stops)."""
        self._send("exit")
        assert self.process.wait(timeout=STEP_TIMEOUT) == 0, self.stderr()

    def terminate(self) -> None:
        """SIGTERM, as a service manager or ``kill`` sends it."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=STEP_TIMEOUT)

    def kill(self) -> None:
        """SIGKILL: no exit hook runs, the PID stays registered."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=STEP_TIMEOUT)

    def stderr(self) -> str:
        return self.process.stderr.read() if self.process.stderr else ""

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STEP_TIMEOUT)
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def postmaster_pid(pgdata: Path) -> int | None:
    pid_file = pgdata / "postmaster.pid"
    if not pid_file.exists():
        return None
    return int(pid_file.read_text().splitlines()[0])


def is_running(pid: int) -> bool:
    """Alive and not a zombie (a container's PID 1 may never reap the postmaster)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def wait_until_stopped(pgdata: Path, pid: int, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not is_running(pid) and not (pgdata / "postmaster.pid").exists():
            return True
        time.sleep(0.1)
    return False


def registered_pids(pgdata: Path) -> list[int]:
    pids: list[int] = json.loads((pgdata / ".handle_pids.json").read_text())
    return pids


def stop_postmaster(pgdata: Path) -> None:
    """Teardown: stop a server a failed test left running, by its PID, if it is ours."""
    pid = postmaster_pid(pgdata)
    if pid is None or not is_running(pid):
        return
    process = psutil.Process(pid)
    if str(pgdata) not in " ".join(process.cmdline()):
        return  # the PID was reused by someone else's process
    process.send_signal(signal.SIGINT)  # PostgreSQL's "fast" shutdown
    try:
        process.wait(timeout=15)
    except psutil.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


@pytest.fixture
def data_dir() -> Iterator[Path]:
    # Not pytest's tmp_path: its path is too long for a unix socket, and as root
    # pgserver chowns the folder and opens up its parents.
    path = Path(tempfile.mkdtemp(prefix="tp", dir="/tmp"))
    try:
        yield path
    finally:
        stop_postmaster((path / "pg").resolve())
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def attach(data_dir: Path) -> Iterator[Any]:
    """Start processes attached to ``data_dir``; any still alive are killed at the end."""
    started: list[Attached] = []

    def start() -> Attached:
        process = Attached(data_dir)
        started.append(process)
        return process

    try:
        yield start
    finally:
        for process in started:
            with contextlib.suppress(Exception):
                process.close()


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_process_gets_a_working_server_with_the_trainers_database(
    data_dir: Path, attach: Any
) -> None:
    process = attach()
    first = process.first
    pgdata = (data_dir / "pg").resolve()

    assert first["current_database"] == embedded_pg.DATABASE_NAME == "trainers"
    assert "trainers" in first["databases"]
    settings = first["settings"]
    assert settings["NAME"] == "trainers"
    assert settings["USER"] == "postgres"
    # A unix socket inside the data folder: no TCP port, no clash with a server on 5432.
    assert Path(settings["HOST"]).resolve() == pgdata
    assert (Path(settings["HOST"]) / f".s.PGSQL.{settings['PORT']}").is_socket()
    assert is_running(first["postmaster_pid"])
    assert postmaster_pid(pgdata) == first["postmaster_pid"]

    process.exit()
    assert wait_until_stopped(pgdata, first["postmaster_pid"]), "the server outlived its user"


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_two_processes_share_one_server_and_the_last_one_stops_it(
    data_dir: Path, attach: Any
) -> None:
    pgdata = (data_dir / "pg").resolve()
    one = attach()
    two = attach()
    server = one.first["postmaster_pid"]
    assert two.first["postmaster_pid"] == server
    assert sorted(registered_pids(pgdata)) == sorted([one.pid, two.pid])

    one.exit()
    assert is_running(server), "the server stopped while a process still used it"
    assert registered_pids(pgdata) == [two.pid]
    assert two.query()["postmaster_pid"] == server

    two.exit()
    assert wait_until_stopped(pgdata, server), "the last process left the server running"
    assert registered_pids(pgdata) == []


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_a_process_killed_with_sigkill_does_not_keep_the_server_alive(
    data_dir: Path, attach: Any
) -> None:
    pgdata = (data_dir / "pg").resolve()
    killed = attach()
    server = killed.first["postmaster_pid"]
    killed.kill()
    # SIGKILL skipped the exit hook: the server runs on, the dead PID is still registered.
    assert is_running(server)
    assert registered_pids(pgdata) == [killed.pid]

    survivor = attach()
    assert survivor.first["postmaster_pid"] == server, "it reattaches to the same server"
    assert registered_pids(pgdata) == [survivor.pid], "the dead PID was forgotten"

    survivor.exit()
    assert wait_until_stopped(pgdata, server), "a dead PID kept the server alive"


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_sigterm_detaches_and_the_last_process_stops_the_server(
    data_dir: Path, attach: Any
) -> None:
    pgdata = (data_dir / "pg").resolve()
    process = attach()
    server = process.first["postmaster_pid"]
    process.terminate()
    assert registered_pids(pgdata) == [], "SIGTERM skipped the exit hook"
    assert wait_until_stopped(pgdata, server), "SIGTERM left the server running"


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=STEP_TIMEOUT)
    assert not psutil.pid_exists(process.pid)
    return process.pid


def test_forget_dead_processes_keeps_only_living_pids(tmp_path: Path) -> None:
    handles = tmp_path / ".handle_pids.json"
    gone = dead_pid()
    handles.write_text(json.dumps([gone, os.getpid(), gone]))

    embedded_pg._forget_dead_processes(tmp_path)

    assert json.loads(handles.read_text()) == [os.getpid()]


def test_forget_dead_processes_leaves_a_list_of_living_pids_untouched(tmp_path: Path) -> None:
    handles = tmp_path / ".handle_pids.json"
    handles.write_text(json.dumps([os.getpid()]))
    before = handles.stat().st_mtime_ns

    embedded_pg._forget_dead_processes(tmp_path)

    assert handles.read_text() == json.dumps([os.getpid()])
    assert handles.stat().st_mtime_ns == before


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("", id="empty"),
        pytest.param("not json", id="not-json"),
        pytest.param('{"pid": 1}', id="object"),
        pytest.param('["1", null]', id="not-integers"),
    ],
)
def test_forget_dead_processes_resets_an_unreadable_list(tmp_path: Path, content: str) -> None:
    handles = tmp_path / ".handle_pids.json"
    handles.write_text(content)

    embedded_pg._forget_dead_processes(tmp_path)

    assert json.loads(handles.read_text()) == []


def test_forget_dead_processes_without_a_list_does_nothing(tmp_path: Path) -> None:
    embedded_pg._forget_dead_processes(tmp_path)

    assert not (tmp_path / ".handle_pids.json").exists()
