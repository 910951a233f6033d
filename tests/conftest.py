"""Shared fixtures: the real composed ASGI app, and a real server for end-to-end tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections
from fastapi.testclient import TestClient

from tests.server import LiveServer, start_server

# Apps under test run no scheduler thread of their own (it would write to the test
# database between tests); tests/e2e/test_scheduler_in_app.py turns it on for its server.
os.environ.setdefault("SCHEDULER_IN_APP", "0")


@pytest.fixture
def app_client(transactional_db: None) -> Iterator[TestClient]:
    """The composed ASGI application (Django + FastAPI) with its lifespan running.

    Transactional: the query side reads through its own psycopg pool, so it
    sees only committed rows.
    """
    from config.asgi import application

    with TestClient(application, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def live_server_process(transactional_db: None) -> Iterator[LiveServer]:
    """uvicorn in a subprocess on a free port, over the test database."""
    server = start_server(connections["default"].settings_dict)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def media_root(settings: Any, tmp_path: Path) -> Path:
    """Local photo storage in a folder of this test's own."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return root
