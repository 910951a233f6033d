"""The processes under load, each a uvicorn of its own on a free loopback port.

- ``BenchServer``: the app started the production way (``bench.asgi``, which is
  ``config.asgi`` with the baselines' URLs added), one worker, no access log.
- ``CeilingServer``: the bare ASGI app of ``bench/ceiling.py``, uvloop and httptools.

Both are stopped by their own PID when the ``with`` block ends, also on failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from config.server import UVICORN_OPTIONS

ROOT = Path(__file__).resolve().parent.parent


class UvicornProcess:
    """``python -m uvicorn <app>`` on a free port, ready once ``ready_path`` answers 200."""

    app = ""
    ready_path = "/"
    options: tuple[str, ...] = ()

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(tempfile.gettempdir()) / f"trainers-bench-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __enter__(self) -> UvicornProcess:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            self.app,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            "1",
            "--no-access-log",
            "--log-level",
            "warning",
            *self.options,
        ]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text(errors='replace')}")
            try:
                if httpx.get(self.url + self.ready_path, timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"{self.app} not ready within 60 s")

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


class CeilingServer(UvicornProcess):
    """The bare ASGI ceiling, answering a body of ``body_bytes`` bytes."""

    app = "bench.ceiling:app"
    options = ("--loop", "uvloop", "--http", "httptools", "--lifespan", "off")

    def __init__(self, body_bytes: int) -> None:
        from bench.ceiling import BYTES_VARIABLE

        super().__init__({BYTES_VARIABLE: str(body_bytes)})

    def __enter__(self) -> CeilingServer:
        super().__enter__()
        return self


class BenchServer(UvicornProcess):
    """The project's application over the benchmark database, with the baselines' URLs."""

    app = "bench.asgi:application"
    ready_path = "/readyz"
    # As production runs it (the Dockerfile's uvicorn options).
    options = ("--lifespan", "on", *UVICORN_OPTIONS)

    def __init__(self, database_url: str, env: dict[str, str] | None = None) -> None:
        super().__init__(
            {"DATABASE_URL": database_url, "DEBUG": "0", "LOG_LEVEL": "WARNING", **(env or {})}
        )

    def __enter__(self) -> BenchServer:
        super().__enter__()
        return self

    def warm(self, path: str, requests: int = 50, headers: dict[str, str] | None = None) -> None:
        with httpx.Client(base_url=self.url, timeout=10, headers=headers) as client:
            for _ in range(requests):
                client.get(path)

    def prime(self, paths: list[str], workers: int = 8) -> None:
        """Request each path once, ``workers`` at a time: the response cache holds them all."""
        from concurrent.futures import ThreadPoolExecutor

        with (
            httpx.Client(base_url=self.url, timeout=30) as client,
            ThreadPoolExecutor(workers) as pool,
        ):
            for response in pool.map(client.get, set(paths)):
                response.raise_for_status()

    def drain(self) -> None:
        """Return once requests queued by the last load are done.

        ``/healthz`` is a Django view, so it waits behind every queued Django request.
        """
        httpx.get(f"{self.url}/healthz", timeout=300)


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
