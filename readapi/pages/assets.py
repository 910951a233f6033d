"""The pages' stylesheet, script and icon, served under content-hashed names for a year.

Each file in ``static/`` is read once, named ``<stem>.<hash>.<ext>`` (the hash of its
bytes) and kept with a gzip copy: a new release changes the name, so browsers and
shared caches may keep a name forever (``immutable``) and never revalidate it.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

STATIC = Path(__file__).resolve().parent / "static"
PREFIX = "/assets/"
TYPES = {
    ".css": b"text/css; charset=utf-8",
    ".js": b"text/javascript; charset=utf-8",
    ".svg": b"image/svg+xml",
}
FOREVER = b"public, max-age=31536000, immutable"


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    gzipped: bytes
    content_type: bytes
    etag: bytes


def _load() -> tuple[dict[str, str], dict[str, Asset]]:
    urls: dict[str, str] = {}
    files: dict[str, Asset] = {}
    for path in sorted(STATIC.iterdir()):
        if path.suffix not in TYPES:
            continue
        body = path.read_bytes()
        digest = hashlib.sha256(body).hexdigest()[:12]
        name = f"{path.stem}.{digest}{path.suffix}"
        urls[path.name] = PREFIX + name
        gzipped = gzip.compress(body, 9, mtime=0)
        files[name] = Asset(body, gzipped, TYPES[path.suffix], f'"{digest}"'.encode())
    return urls, files


URLS, FILES = _load()


def url(name: str) -> str:
    """The hashed address of ``static/<name>``."""
    return URLS[name]


def respond(
    name: str, accept_encoding: str, if_none_match: str | None
) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    """Status, body and headers of ``/assets/<name>``: 404 for a name no release had."""
    asset = FILES.get(name)
    if asset is None:
        return 404, b"", []
    headers = [
        (b"content-type", asset.content_type),
        (b"cache-control", FOREVER),
        (b"etag", asset.etag),
        (b"vary", b"Accept-Encoding"),
    ]
    if if_none_match is not None and asset.etag.decode() in if_none_match:
        return 304, b"", headers
    body = asset.body
    if "gzip" in accept_encoding:
        body = asset.gzipped
        headers.append((b"content-encoding", b"gzip"))
    headers.append((b"content-length", str(len(body)).encode()))
    return 200, body, headers
