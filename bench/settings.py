"""The benchmark's settings: the project's own, plus the URLs of the DRF baselines.

Only ``bench/asgi.py`` selects this module; no production module imports ``bench/``.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from config.settings import *  # noqa: F403
from config.settings import PRODUCTION

if PRODUCTION:
    raise ImproperlyConfigured("the benchmark's baselines are never served in production")

ROOT_URLCONF = "bench.urls"
