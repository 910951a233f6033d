"""The benchmark's own database on the configured server, seeded once per size."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class BenchDatabase:
    name: str
    url: str
    trainers: int
    seed_seconds: float | None
    rebuild_seconds: float | None


def server_settings() -> dict[str, Any]:
    """Connection settings of the project's server: DATABASE_URL, or the embedded one."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return dict(dj_database_url.parse(url))
    from config import embedded_pg
    from config.settings import DATA_DIR

    # Attached for as long as this process lives, so the server outlives the subprocesses.
    return embedded_pg.start(DATA_DIR)


def prepare_database(
    trainers: int, *, fresh: bool = False, name: str | None = None
) -> BenchDatabase:
    from config.dsn import conninfo, database_url

    settings = server_settings()
    name = name or f"trainers_bench_{trainers}"
    bench = {**settings, "NAME": name}
    url = database_url(bench)
    admin = conninfo({**settings, "NAME": "postgres"})
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and (fresh or _trainer_count(conninfo(bench)) != trainers):
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    env = {**os.environ, "DATABASE_URL": url}
    manage = [sys.executable, str(ROOT / "manage.py")]
    # Also on a database seeded earlier: the code may have gained migrations since.
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True, cwd=ROOT)
    if exists:
        return BenchDatabase(name, url, trainers, *_timings(conninfo(bench)))
    print(f"seeding {trainers} trainers ...", flush=True)
    started = time.perf_counter()
    subprocess.run(
        [*manage, "seed_demo", "--trainers", str(trainers), "--seed", "1"],
        env=env,
        check=True,
        cwd=ROOT,
    )
    seed_seconds = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run([*manage, "rebuild_read_model"], env=env, check=True, cwd=ROOT)
    rebuild_seconds = time.perf_counter() - started
    timings = round(seed_seconds, 2), round(rebuild_seconds, 2)
    with psycopg.connect(conninfo(bench), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        # Remembered with the database, so later runs on it still report them.
        comment = json.dumps({"seed_seconds": timings[0], "rebuild_seconds": timings[1]})
        conn.execute(
            sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(name), sql.Literal(comment)
            )
        )
    return BenchDatabase(name, url, trainers, *timings)


def _timings(dsn: str) -> tuple[float | None, float | None]:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database"
            " WHERE datname = current_database()"
        ).fetchone()
    try:
        data = json.loads(row[0]) if row and row[0] else {}
    except ValueError:
        data = {}
    return data.get("seed_seconds"), data.get("rebuild_seconds")


def _trainer_count(dsn: str) -> int:
    try:
        with psycopg.connect(dsn) as conn:
            row = conn.execute("SELECT count(*) FROM trainers_trainer").fetchone()
    except psycopg.Error:
        return -1
    return int(row[0]) if row else -1


def check_read_model(url: str) -> dict[str, Any]:
    """``manage.py check_read_model`` against the benchmark database: clean, or what differs."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check_read_model", "-v", "0"],
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    lines = (done.stdout + done.stderr).strip().splitlines()
    return {
        "clean": done.returncode == 0,
        "exit_code": done.returncode,
        "seconds": round(time.perf_counter() - started, 2),
        # The first differences (or the error), enough to start looking.
        "output": lines[:20],
    }
