"""The app under test, started the production way: uvicorn, one worker, no access log."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


class BenchServer:
    def __init__(self, database_url: str, *, ceiling_bytes: int) -> None:
        self.database_url = database_url
        self.ceiling_bytes = ceiling_bytes
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(tempfile.gettempdir()) / f"trainers-bench-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def __enter__(self) -> BenchServer:
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "BENCH_BASELINES": "1",
            "BENCH_CEILING_BYTES": str(self.ceiling_bytes),
            "DEBUG": "0",
            "LOG_LEVEL": "WARNING",
        }
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "config.asgi:application",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--workers",
                    "1",
                    "--no-access-log",
                    "--lifespan",
                    "on",
                    "--log-level",
                    "warning",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.log.read_text(errors='replace')}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("server not ready within 60 s")

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
            for response in pool.map(client.get, paths):
                response.raise_for_status()

    def drain(self) -> None:
        """Return once requests queued by the last load are done.

        ``/healthz`` is a Django view, so it waits behind every queued Django request.
        """
        httpx.get(f"{self.url}/healthz", timeout=300)

    def __exit__(self, *exc: object) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
