"""The one secret key of the project, shared by Django and the query side.

Django signs sessions and CSRF tokens with it; the query side signs its paging
cursors (readapi/cursor.py) without importing Django. Production refuses to start
without a real one (config/settings.py).
"""

from __future__ import annotations

import os

DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105


def secret_key(*, production: bool = False) -> str:
    """``SECRET_KEY`` from the environment; the development key when unset, outside production."""
    return os.environ.get("SECRET_KEY", "" if production else DEV_SECRET_KEY)
