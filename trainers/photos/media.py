"""``/media/``: photo renditions from local storage, cacheable forever, never executable.

Only rendition files (``.webp``, ``.jpg``) are served, each with its own image type
and ``nosniff``, under a sandboxing CSP: whatever a file holds, a browser treats it as
an image and nothing else. Names are content hashes, so a response never changes.
With S3 storage the bucket (or its CDN) serves them and this view answers 404.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import FileSystemStorage
from django.http import Http404, HttpRequest, HttpResponse
from django.utils._os import safe_join
from django.views.decorators.http import require_safe

from trainers.photos.files import storage

CONTENT_TYPES = {".webp": "image/webp", ".jpg": "image/jpeg"}
IMMUTABLE = "public, max-age=31536000, immutable"


@require_safe
def media(request: HttpRequest, name: str) -> HttpResponse:
    backend = storage()
    content_type = CONTENT_TYPES.get(PurePosixPath(name).suffix)
    if content_type is None or not isinstance(backend, FileSystemStorage):
        raise Http404("No such file.")
    try:
        # Renditions are small (at most 1024 pixels wide): read whole, no streaming.
        content = Path(safe_join(settings.MEDIA_ROOT, name)).read_bytes()
    except (OSError, ValueError, SuspiciousFileOperation) as exc:  # absent, or outside the root
        raise Http404("No such file.") from exc
    response = HttpResponse(b"" if request.method == "HEAD" else content, content_type=content_type)
    response["Content-Length"] = str(len(content))
    response["Cache-Control"] = IMMUTABLE
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
