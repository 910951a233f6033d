"""Connection strings for psycopg, derived from Django's database settings."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connections
from psycopg.conninfo import make_conninfo


def conninfo(settings_dict: dict[str, Any]) -> str:
    """A libpq conninfo string for one of Django's ``DATABASES`` entries."""
    params = {
        "dbname": settings_dict["NAME"],
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "host": settings_dict.get("HOST") or None,
        "port": str(settings_dict["PORT"]) if settings_dict.get("PORT") else None,
    }
    options = settings_dict.get("OPTIONS", {})
    for key in ("connect_timeout", "sslmode", "sslrootcert", "sslcert", "sslkey"):
        if key in options:
            params[key] = str(options[key])
    return make_conninfo(**{k: v for k, v in params.items() if v is not None})


def write_dsn() -> str:
    return conninfo(connections["default"].settings_dict)


def read_dsn() -> str:
    """``READ_DATABASE_URL`` when set, else the write database (tests: the test database)."""
    return settings.READ_DATABASE_URL or write_dsn()


def database_url(settings_dict: dict[str, Any]) -> str:
    """A ``postgres://`` URL for Django's connection settings (unix sockets included).

    Hands the database a process is using to a child process via ``DATABASE_URL``.
    """
    host = quote(settings_dict.get("HOST") or "", safe="")
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    user = quote(settings_dict.get("USER") or "", safe="")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}@" if password else f"{user}@" if user else ""
    return f"postgres://{auth}{host}{port}/{quote(settings_dict['NAME'], safe='')}"
