"""A real ``varnishd`` (Debian's varnish and varnish-modules) running the project's VCL.

Used by ``make bench`` (the edge scenario) and by the edge tests. The VCL's backend
(``app:8000``, docker-compose's) is replaced by the given app servers, each a backend
of the round-robin director; nothing else is changed.
"""

from __future__ import annotations

import json
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

from bench.server import ROOT, free_port

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


def varnishd() -> str | None:
    """The varnishd binary, if Varnish and its xkey module are installed."""
    found = shutil.which("varnishd") or (
        "/usr/sbin/varnishd" if os.path.exists("/usr/sbin/varnishd") else None
    )
    if found is None or not list(Path("/usr/lib").glob("*/varnish/vmods/libvmod_xkey.so")):
        return None
    return found


@dataclass
class Varnish:
    url: str
    process: subprocess.Popen[bytes]
    workdir: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def counters(self) -> dict[str, int]:
        """varnishstat's MAIN counters of this instance (hits, misses, passes...)."""
        out = subprocess.run(
            ["varnishstat", "-n", str(self.workdir / "n"), "-1", "-j"],
            check=True,
            capture_output=True,
            timeout=10,
        ).stdout
        found = json.loads(out)
        counters = found.get("counters", found)
        return {
            name.removeprefix("MAIN."): int(value["value"])
            for name, value in counters.items()
            if name.startswith("MAIN.") and isinstance(value, dict) and "value" in value
        }

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
    binary = varnishd()
    assert binary, "varnishd is missing: apt-get install varnish varnish-modules"
    workdir = Path(tempfile.mkdtemp(prefix="varnish-"))
    os.chmod(workdir, 0o755)  # noqa: S103  (varnishd's unprivileged users read the VCL)
    vcl = workdir / "default.vcl"
    vcl.write_text(vcl_for(backends))
    port = port or free_port()
    with (workdir / "varnishd.log").open("wb") as log:
        process = subprocess.Popen(
            [
                binary,
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
