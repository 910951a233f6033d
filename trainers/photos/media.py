"""``/media/``: photo renditions from local storage, cacheable forever, never executable.

A plain ASGI app the composition (``config/asgi.py``) calls before Django: a rendition
costs no thread hop, no middleware and, once read, no disk (``make bench``'s
``detail_media:ours``). Only rendition files (``.webp``, ``.jpg``) are served, each with
its own image type and ``nosniff``, under a sandboxing CSP: whatever a file holds, a
browser treats it as an image and nothing else. Names are content hashes, so a file
never changes: the bytes of recently served ones are kept in memory (``KEPT_BYTES``),
and every answer may be cached for a year. With S3 storage the bucket (or its CDN)
serves them and this app answers 404.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage
from django.utils._os import safe_join
from starlette.types import Receive, Scope, Send

from config.observability.context import current
from config.problems import CONTENT_TYPE, problem
from readapi.json import dumps
from trainers.photos.files import storage

CONTENT_TYPES = {".webp": b"image/webp", ".jpg": b"image/jpeg"}
IMMUTABLE = b"public, max-age=31536000, immutable"
HEADERS = [
    (b"cache-control", IMMUTABLE),
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", b"default-src 'none'; sandbox"),
    (b"cross-origin-resource-policy", b"cross-origin"),
]
# Renditions are small (at most 1024 pixels wide): read whole, and the recent ones kept.
KEPT_BYTES = 32 * 2**20


class MediaFiles:
    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.kept: OrderedDict[str, bytes] = OrderedDict()
        self.kept_bytes = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        info = current.get()
        if info is not None:  # the metrics' route label: a template, never the raw path
            info.route = self.prefix + "{name}"
        method = scope["method"]
        if method not in ("GET", "HEAD"):
            await _problem(send, 405, "Only GET and HEAD.", [(b"allow", b"GET, HEAD")])
            return
        name = scope["path"][len(self.prefix) :]
        content_type = CONTENT_TYPES.get(PurePosixPath(name).suffix)
        content = await self.read(name) if content_type is not None else None
        if content is None or content_type is None:
            await _problem(send, 404, "No such file.")
            return
        headers = [
            (b"content-type", content_type),
            (b"content-length", str(len(content)).encode()),
            *HEADERS,
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if method == "HEAD" else content})

    async def read(self, name: str) -> bytes | None:
        content = self.kept.get(name)
        if content is not None:
            self.kept.move_to_end(name)
            return content
        if not isinstance(storage(), FileSystemStorage):
            return None
        try:
            path = Path(safe_join(settings.MEDIA_ROOT, name))
            content = await asyncio.to_thread(path.read_bytes)
        except (OSError, ValueError, SuspiciousFileOperation):  # absent, or outside the root
            return None
        self.kept[name] = content
        self.kept_bytes += len(content)
        while self.kept_bytes > KEPT_BYTES and self.kept:
            self.kept_bytes -= len(self.kept.popitem(last=False)[1])
        return content


async def _problem(
    send: Send, status: int, detail: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = dumps(problem(status, detail))
    headers = [
        (b"content-type", CONTENT_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
