"""Backups that restore (issue 17, item 7): the procedure of docs/operations.md, run.

A seeded database is dumped with ``pg_dump -Fc``, restored with ``pg_restore`` into a
new database, migrated, and ``check_read_model`` finds the read model in step.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
import warnings
from datetime import date, time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

from config.dsn import conninfo, database_url
from tests.reliability.conftest import register
from tests.server import ROOT
from trainers import commands as c
from trainers.handlers import dispatch
from trainers.models import Branch

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from pgserver._commands import POSTGRES_BIN_PATH

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def major(version: str) -> int:
    match = re.search(r"(\d+)", version)
    assert match, version
    return int(match.group(1))


def tool(name: str, server_major: int) -> str:
    """The client tool of the server's major version: the embedded one or the system's."""
    for candidate in (str(POSTGRES_BIN_PATH / name), shutil.which(name)):
        if candidate and Path(candidate).exists():
            out = subprocess.run([candidate, "--version"], capture_output=True, text=True).stdout
            if major(out.partition("(PostgreSQL)")[2]) == server_major:
                return candidate
    raise AssertionError(f"no {name} for PostgreSQL {server_major} on this machine")


def counts(cursor: Any) -> tuple[int, ...]:
    cursor.execute(
        "SELECT (SELECT count(*) FROM trainers_trainer), (SELECT count(*) FROM trainers_event),"
        " (SELECT count(*) FROM read.trainer), (SELECT count(*) FROM read.class),"
        " (SELECT count(*) FROM read.change), (SELECT count(*) FROM read.search_term)"
    )
    return tuple(cursor.fetchone())


def manage(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_dump_restores_into_a_new_database_that_checks_clean(
    branch: Branch, tmp_path: Path
) -> None:
    dispatch(c.SpecialtyCreate(slug="yoga", name="Yoga"))
    for i in range(6):
        trainer = register(specialties=("yoga",), bio=f"Mobility {i}.")
        dispatch(c.CertificationAdd(trainer.pk, "CPR", "Red Cross", date(2020, 1, 1)))
        dispatch(c.GymClassSchedule("Flow", "downtown", trainer.pk, 1 + i % 5, time(7, 0), 45, 12))
        if i % 2 == 0:
            dispatch(c.TrainerPublish(trainer.pk))
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server_major = major(cursor.fetchone()[0])
        seeded = counts(cursor)
    source = dict(connection.settings_dict)
    restored = {**source, "NAME": f"restore_{uuid.uuid4().hex[:12]}"}
    dump = tmp_path / "trainers.dump"

    subprocess.run(
        [tool("pg_dump", server_major), "-Fc", "--no-owner", "-f", str(dump), conninfo(source)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{restored["NAME"]}"')
    try:
        subprocess.run(
            [
                tool("pg_restore", server_major),
                "--no-owner",
                "--exit-on-error",
                "-d",
                conninfo(restored),
                str(dump),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        url = database_url(restored)
        migrate = manage(url, "migrate", "--noinput")
        assert migrate.returncode == 0, migrate.stderr
        check = manage(url, "check_read_model")
        assert check.returncode == 0, check.stdout + check.stderr
        assert "in step" in check.stdout
        with psycopg.connect(conninfo(restored)) as restored_conn:
            assert counts(restored_conn.cursor()) == seeded
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored["NAME"]}" WITH (FORCE)')
