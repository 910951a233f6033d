"""Renditions in storage: written inside the command, deleted only once the outcome is known.

Files live in Django's default storage (``STORAGES["default"]``: local files or an
S3-compatible bucket) under ``trainers/<trainer id>/``. A transaction that rolls back
after the files were written (a later command of the same admin save refused, a
lost race) deletes them; files a committed change replaced or removed are deleted
after commit. Only names under the trainer's own folder are ever deleted, so files
shared by many trainers (the demo avatars) stay.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from django.core.files.base import ContentFile
from django.core.files.storage import Storage, storages
from django.db import transaction

from trainers.photos.renditions import Rendition, Renditions

logger = logging.getLogger(__name__)


def storage() -> Storage:
    return storages["default"]


def folder(trainer_id: UUID | str) -> str:
    return f"trainers/{trainer_id}"


def store(renditions: Renditions, where: str) -> dict[str, Any]:
    """Write the renditions in folder ``where``; the photo document the write model keeps
    (``Trainer.photo``).

    A name already stored holds the same bytes (names are content hashes): it is not
    written again, and not deleted if this transaction rolls back.
    """
    backend = storage()
    written: list[str] = []
    names: dict[Rendition, str] = {}
    try:
        for rendition in (*renditions.webp, renditions.jpeg):
            name = rendition.name(where)
            if not backend.exists(name):
                name = backend.save(name, ContentFile(rendition.content))
                written.append(name)
            names[rendition] = name
    except BaseException:
        delete(written)
        raise
    delete_on_rollback(written)
    jpeg = renditions.jpeg
    return {
        "url": backend.url(names[jpeg]),
        "width": jpeg.width,
        "height": jpeg.height,
        "renditions": [
            {"url": backend.url(names[r]), "width": r.width, "height": r.height}
            for r in renditions.webp
        ],
        "files": list(names.values()),
    }


def files_of(photo: dict[str, Any] | None, trainer_id: UUID | str) -> set[str]:
    """The files of a photo document that belong to this trainer alone."""
    prefix = folder(trainer_id) + "/"
    return {name for name in (photo or {}).get("files", ()) if name.startswith(prefix)}


def delete_after_commit(names: Iterable[str]) -> None:
    doomed = sorted(names)
    if doomed:
        transaction.on_commit(lambda: delete(doomed), robust=True)


def delete_on_rollback(names: list[str]) -> None:
    """Delete ``names`` if the current transaction (or savepoint) rolls back.

    Django has no rollback hook, but it drops the commit hooks of what it rolls back:
    a hook dropped without having run means the transaction did not commit.
    """
    if not names:
        return
    outcome = {"committed": False}

    def committed() -> None:
        outcome["committed"] = True

    transaction.on_commit(committed)
    finalizer = weakref.finalize(committed, _unless_committed, outcome, list(names))
    finalizer.atexit = False


def _unless_committed(outcome: dict[str, bool], names: list[str]) -> None:
    if not outcome["committed"]:
        delete(names)


def delete(names: Iterable[str]) -> None:
    """Delete files, logging (not raising) failures: the data is already consistent."""
    backend = storage()
    for name in names:
        try:
            backend.delete(name)
        except Exception:
            logger.exception("photo file %s could not be deleted", name)
