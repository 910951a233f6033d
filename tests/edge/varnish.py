"""A real ``varnishd`` (Debian's varnish and varnish-modules) running the project's VCL.

The VCL's backend (``app:8000``, docker-compose's) is replaced by the test's app
servers, each a backend of the round-robin director; nothing else is changed.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.server import ROOT, free_port

VCL = ROOT / "deploy" / "varnish" / "default.vcl"
BACKEND = re.compile(r"^backend app \{.*?^\}\n", re.S | re.M)
ADD = "    apps.add_backend(app);\n"


def vcl_for(backends: list[tuple[str, int]]) -> str:
    text = VCL.read_text()
    template = BACKEND.search(text)
    assert template is not None and ADD in text, "the VCL's backend block moved"
    blocks, adds = [], []
    for n, (host, port) in enumerate(backends):
        block = template.group(0).replace("backend app {", f"backend app{n} {{")
        block = block.replace('.host = "app";', f'.host = "{host}";')
        blocks.append(block.replace('.port = "8000";', f'.port = "{port}";'))
        adds.append(f"    apps.add_backend(app{n});\n")
    return text.replace(template.group(0), "".join(blocks)).replace(ADD, "".join(adds))


@dataclass
class Varnish:
    url: str
    process: subprocess.Popen[bytes]
    workdir: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        shutil.rmtree(self.workdir, ignore_errors=True)


def start_varnish(
    backends: list[tuple[str, int]], *, port: int | None = None, timeout: float = 30
) -> Varnish:
    varnishd = shutil.which("varnishd") or "/usr/sbin/varnishd"
    assert os.path.exists(varnishd), "varnishd is missing: apt-get install varnish varnish-modules"
    workdir = Path(tempfile.mkdtemp(prefix="varnish-"))
    os.chmod(workdir, 0o755)  # noqa: S103  (varnishd's unprivileged users read the VCL)
    vcl = workdir / "default.vcl"
    vcl.write_text(vcl_for(backends))
    port = port or free_port()
    with (workdir / "varnishd.log").open("wb") as log:
        process = subprocess.Popen(
            [
                varnishd,
                "-F",
                "-n",
                str(workdir / "n"),
                "-a",
                f"127.0.0.1:{port}",
                "-f",
                str(vcl),
                "-s",
                "malloc,64m",
                "-T",
                "none",
                "-p",
                "ban_lurker_sleep=0.1",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    varnish = Varnish(f"http://127.0.0.1:{port}", process, workdir)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = (workdir / "varnishd.log").read_text(errors="replace")
            shutil.rmtree(workdir, ignore_errors=True)
            raise RuntimeError(f"varnishd exited with {process.returncode}:\n{output}")
        try:
            if httpx.get(f"{varnish.url}/healthz", timeout=1).status_code == 200:
                return varnish
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    varnish.stop()
    raise RuntimeError("varnishd did not answer in time")
