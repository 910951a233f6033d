"""The garbage collector of a serving process: what startup built is left alone.

An app process holds a large, long-lived heap from its start (Django, DRF, FastAPI,
pydantic's schemas, the URL confs) and then allocates small short-lived objects on
every request. With Python's defaults (a young collection every 700 allocations, a
full one every hundred of those), each full collection walks that whole heap while
requests wait: detail reads past the cache had a p99 of 110-150 ms under load, and
the collector's time came off their throughput (docs/performance.md).

``tune`` runs once, when the ASGI application has been composed: it moves every
object alive then into the permanent generation (``gc.freeze``), which collections
skip, and collects less often (``GC_THRESHOLDS``, default ``10000,20,20``; ``off``
keeps Python's own).
"""

from __future__ import annotations

import gc
import os

from django.core.exceptions import ImproperlyConfigured

DEFAULT = "10000,20,20"


def thresholds_from_env() -> tuple[int, int, int] | None:
    """``GC_THRESHOLDS`` as three positive integers, or None for ``off``."""
    text = os.environ.get("GC_THRESHOLDS", DEFAULT).strip().lower()
    if text == "off":
        return None
    parts = text.split(",")
    try:
        values = tuple(int(part) for part in parts)
    except ValueError:
        values = ()
    if len(values) != 3 or min(values) < 1:
        raise ImproperlyConfigured(
            f"GC_THRESHOLDS must be three positive integers such as {DEFAULT}, or off; got {text!r}"
        )
    return values[0], values[1], values[2]


def tune() -> None:
    thresholds = thresholds_from_env()
    if thresholds is None:
        return
    gc.collect()
    gc.freeze()
    gc.set_threshold(*thresholds)
