"""The app under benchmark: the project's ASGI application with the benchmark's settings.

``bench.settings`` adds the DRF baselines' URLs to the project's; the application
itself is ``config.asgi``'s, unchanged, so the benchmark measures what production runs.
"""

from __future__ import annotations

import os

os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
# Imported after the line above: config.asgi loads Django with the settings it names.
from config.asgi import application

__all__ = ["application"]
