"""Security headers on every ``/query/`` response, as Django's SecurityMiddleware sends elsewhere.

The FastAPI half never passes through Django's middleware. The header list is
built once; ``readapi.edge.QueryFront`` appends it to each response, nothing else. HSTS is sent in
production only (``APP_ENV=production``, ``SECURE_HSTS_SECONDS``, default one
year, as the Django settings); browsers ignore it over plain HTTP anyway.
"""

from __future__ import annotations

import os

BASE_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


def hsts_seconds_from_env() -> int:
    if os.environ.get("APP_ENV", "development").strip().lower() != "production":
        return 0
    return int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))


def security_headers(hsts_seconds: int) -> list[tuple[bytes, bytes]]:
    headers = list(BASE_HEADERS)
    if hsts_seconds > 0:
        value = f"max-age={hsts_seconds}; includeSubDomains; preload"
        headers.append((b"strict-transport-security", value.encode()))
    return headers
