"""``Idempotency-Key`` on POST: a retry gets the first response and changes nothing.

The key's record is inserted in the same transaction as the command, before
the command runs. A concurrent duplicate blocks on the unique index until the
first commits (then replays its response) or rolls back (then runs itself), so
two requests with one key never both execute. Only successful responses are
kept: a failed request changed nothing and may be retried with the same key.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from trainers.api.errors import IdempotencyKeyReused
from trainers.api.permissions import user_id
from trainers.models import IdempotencyRecord
from trainers.retention import idempotency_ttl

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEPT_HEADERS = ("ETag", "Location")
_KEY = re.compile(r"^[\x20-\x7e]{1,255}$")
BAD_KEY = "Idempotency-Key must be 1 to 255 printable ASCII characters."

View = TypeVar("View", bound=Callable[..., Response])


def idempotent(post: View) -> View:
    """Decorate an APIView's ``post``: honour ``Idempotency-Key`` when the client sends one."""

    @functools.wraps(post)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        raw = request.headers.get(HEADER)
        if raw is None:
            return post(view, request, *args, **kwargs)
        key = raw.strip()
        if not _KEY.match(key):
            raise ValidationError({HEADER: [BAD_KEY]})
        fingerprint = _fingerprint(request)
        actor_id = user_id(request)
        expired = timezone.now() - idempotency_ttl()
        mine = IdempotencyRecord.objects.filter(actor_id=actor_id, key=key)
        mine.filter(created_at__lt=expired).delete()
        if (first := mine.first()) is not None:
            return _replay(first, request, fingerprint)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        key=key,
                        actor_id=actor_id,
                        method=request.method or "POST",
                        path=request.path,
                        request_hash=fingerprint,
                        status_code=0,
                    )
            except IntegrityError:
                # A concurrent request with this key committed first: answer as it did.
                return _replay(mine.get(), request, fingerprint)
            response = post(view, request, *args, **kwargs)
            if not 200 <= response.status_code < 300:
                transaction.set_rollback(True)
                return response
            record.status_code = response.status_code
            record.response_body = json.loads(JSONRenderer().render(response.data) or b"null")
            record.response_headers = {h: response[h] for h in KEPT_HEADERS if h in response}
            record.save(update_fields=["status_code", "response_body", "response_headers"])
        return response

    return wrapper  # type: ignore[return-value]


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _replay(record: IdempotencyRecord, request: Request, fingerprint: str) -> Response:
    same = (record.method, record.path, record.request_hash) == (
        request.method,
        request.path,
        fingerprint,
    )
    if not same:
        raise IdempotencyKeyReused()
    headers = {**record.response_headers, REPLAYED: "true"}
    return Response(record.response_body, status=record.status_code, headers=headers)
