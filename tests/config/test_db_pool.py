"""Django's connections come from a pool per process (config/settings.py ``_pool``)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config import settings as project_settings

pytestmark = pytest.mark.django_db(transaction=True)

LOCK = 424242


def test_the_pool_is_bounded_by_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONN_MAX_AGE", raising=False)
    monkeypatch.setenv("DB_POOL_MAX", "3")
    monkeypatch.setenv("DB_CONNECT_TIMEOUT", "2")
    options = project_settings._database()["OPTIONS"]["pool"]
    assert (options["min_size"], options["max_size"], options["timeout"]) == (1, 3, 2)
    monkeypatch.setenv("DB_POOL_MAX", "0")
    assert "pool" not in project_settings._database()["OPTIONS"]
    monkeypatch.setenv("DB_POOL_MAX", "-1")
    with pytest.raises(ImproperlyConfigured, match="DB_POOL_MAX"):
        project_settings._database()


def test_conn_max_age_asks_for_no_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONN_MAX_AGE", "60")
    with pytest.raises(ImproperlyConfigured, match="DB_POOL_MAX=0"):
        project_settings._database()
    monkeypatch.setenv("DB_POOL_MAX", "0")
    assert project_settings._database()["CONN_MAX_AGE"] == 60


def _held(cursor: Any) -> int:
    cursor.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = %s"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        [LOCK],
    )
    return int(cursor.fetchone()[0])


def test_a_connection_back_in_the_pool_holds_no_advisory_lock() -> None:
    """What a failed rebuild relies on: closing its connection releases its lock."""
    assert connection.settings_dict["OPTIONS"].get("pool"), "the tests run with the pool"
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), pg_try_advisory_lock(%s)", [LOCK])
        pid, locked = cursor.fetchone()
    assert locked
    connection.close()  # back to the pool, the session kept
    with connection.cursor() as cursor:
        # The pool resets a returned connection in a worker thread of its own, at once.
        deadline = time.monotonic() + 10
        while _held(cursor) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _held(cursor) == 0
        # The session that held it still runs: the pool kept it, without its lock.
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
        assert cursor.fetchone()[0] == 1
