"""A draft's public profile before it is published: the read side's own document.

The trainer is published inside a transaction that is always rolled back: the read
model's triggers project it as publishing would, the read side's own statement
(``readapi.handlers.trainers.GET``) reads the document, and the rollback leaves no
trace (no event, no version, nothing announced: notifications go out at commit only).
"""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.db import connection, transaction

from readapi.handlers.trainers import GET


def public_document(trainer_id: UUID) -> dict[str, Any] | None:
    """The document ``GET /query/trainers/{id}`` would serve were the trainer public."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE trainers_trainer SET status = 'published' "
                "WHERE id = %s AND status NOT IN ('published', 'on_leave')",
                [trainer_id],
            )
            cursor.execute(GET, {"ids": [trainer_id]})
            row = cursor.fetchone()
        transaction.set_rollback(True)
    if row is None:
        return None
    document = row[1]
    return json.loads(document) if isinstance(document, str | bytes) else dict(document)
