"""The project's URLs and, under ``/bench/``, the naive DRF baselines (``bench/baseline.py``)."""

from __future__ import annotations

from django.urls import include, path

from config.urls import handler400, handler404, handler500
from config.urls import urlpatterns as project_urls

__all__ = ["handler400", "handler404", "handler500", "urlpatterns"]

urlpatterns = [*project_urls, path("bench/", include("bench.baseline"))]
