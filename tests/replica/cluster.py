"""A throwaway primary and its streaming replica, from the embedded PostgreSQL's binaries.

Both run under a short folder in /tmp (unix socket paths must stay under ~100
characters), on their own sockets, as the ``pgserver`` OS user when we are root
(PostgreSQL refuses to run as root). Every process is stopped by its PID.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.dsn import database_url

with warnings.catch_warnings():
    # platformdirs warns when XDG_RUNTIME_DIR is unset (root, CI); its fallback is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from pgserver._commands import POSTGRES_BIN_PATH

RUN_AS = "pgserver"


def _owner() -> dict[str, Any]:
    """subprocess arguments that run a server binary as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return {}
    return {"user": RUN_AS, "group": pwd.getpwnam(RUN_AS).pw_gid}


def _run(binary: str, *args: str, timeout: float = 60) -> None:
    subprocess.run(
        [str(POSTGRES_BIN_PATH / binary), *args],
        check=True,
        capture_output=True,
        timeout=timeout,
        **_owner(),
    )


@dataclass
class Server:
    data: Path
    socket_dir: Path
    port: int

    @property
    def settings_dict(self) -> dict[str, Any]:
        return {
            "HOST": str(self.socket_dir),
            "PORT": self.port,
            "USER": "postgres",
            "NAME": "trainers",
        }

    @property
    def url(self) -> str:
        return database_url(self.settings_dict)

    def conninfo(self, dbname: str = "trainers") -> str:
        return f"host={self.socket_dir} port={self.port} user=postgres dbname={dbname}"

    def start(self) -> None:
        _run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-w",
            "-t",
            "30",
            "-l",
            str(self.data / "server.log"),
            "-o",
            f"-k {self.socket_dir} -p {self.port} -c listen_addresses=''",
            "start",
        )

    def pid(self) -> int | None:
        pidfile = self.data / "postmaster.pid"
        try:
            return int(pidfile.read_text().splitlines()[0])
        except (OSError, ValueError, IndexError):
            return None

    def stop(self) -> None:
        pid = self.pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGQUIT)  # immediate shutdown: the data is thrown away
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        os.kill(pid, signal.SIGKILL)


@dataclass
class Cluster:
    root: Path
    primary: Server
    replica: Server

    def stop(self) -> None:
        self.replica.stop()
        self.primary.stop()
        shutil.rmtree(self.root, ignore_errors=True)


def start_primary(port: int) -> Cluster:
    root = Path(tempfile.mkdtemp(prefix="pgr", dir="/tmp"))
    os.chmod(root, 0o755)  # noqa: S103  (the server's OS user must reach its folders)
    owner = _owner()
    for name in ("p", "r", "s"):
        (root / name).mkdir(mode=0o700)
        if owner:
            shutil.chown(root / name, user=RUN_AS, group=owner["group"])
    primary = Server(root / "p", root / "s", port)
    replica = Server(root / "r", root / "s", port + 1)
    cluster = Cluster(root, primary, replica)
    try:
        _run("initdb", "-D", str(primary.data), "-U", "postgres", "--auth=trust", "-E", "utf8")
        primary.start()
        _run(
            "createdb", "-h", str(primary.socket_dir), "-p", str(port), "-U", "postgres", "trainers"
        )
    except BaseException:
        cluster.stop()
        raise
    return cluster


def start_replica(cluster: Cluster) -> None:
    """pg_basebackup -R -X stream of the primary, started as a hot standby."""
    primary, replica = cluster.primary, cluster.replica
    _run(
        "pg_basebackup",
        "-h",
        str(primary.socket_dir),
        "-p",
        str(primary.port),
        "-U",
        "postgres",
        "-D",
        str(replica.data),
        "-R",
        "-X",
        "stream",
        "-c",
        "fast",
    )
    (replica.data / "postmaster.pid").unlink(missing_ok=True)
    replica.start()
