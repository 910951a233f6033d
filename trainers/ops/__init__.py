"""The staff operations API (django-ninja) under ``/ops/``: read-model status, rebuild, check,
a trainer's event history."""
