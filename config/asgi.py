"""The one ASGI application: ``/query/...`` to FastAPI, everything else to Django.

Django loads first (settings, apps), then the read side is built with a DSN
resolved at startup, so a test database chosen by pytest-django is honoured.
Lifespan goes to the FastAPI app alone: Django's ASGI handler rejects it.
"""

from __future__ import annotations

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_app = get_asgi_application()

from starlette.types import Receive, Scope, Send  # noqa: E402  (Django must load first)

from config.dsn import read_dsn  # noqa: E402
from readapi.app import create_app  # noqa: E402

query_app = create_app(dsn=read_dsn)

QUERY_PREFIX = "/query"


async def application(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await query_app(scope, receive, send)
        return
    path: str = scope.get("path", "")
    if path == QUERY_PREFIX or path.startswith(QUERY_PREFIX + "/"):
        await query_app(scope, receive, send)
    else:
        await django_app(scope, receive, send)  # type: ignore[arg-type]
