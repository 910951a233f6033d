"""What the benchmark asks, of our API and of each baseline, with the same inputs."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode
from uuid import UUID

import httpx
import psycopg

from bench.database import ROOT

LUA = ROOT / "bench" / "lua"
DEEP_PAGE = 4000
NO_CACHE = "Cache-Control: no-cache"
PAGE = 20


@dataclass
class Scenario:
    name: str
    script: Path
    args: list[str]
    sample_path: str
    headers: dict[str, str] = field(default_factory=dict)
    # The distinct paths of a cached read scenario, each requested once before the load.
    prime: list[str] = field(default_factory=list)

    @property
    def django(self) -> bool:
        """Served by Django: one request at a time in its sync thread, so slow and queued."""
        return self.name.startswith("write:") or self.name.endswith("_drf")


@dataclass
class Inputs:
    scratch: Path
    ids: list[str]
    filters: list[tuple[str, str]]
    terms: list[str]
    deep_cursor: str | None
    deep_items: int
    token: str
    list_page_bytes: int

    @classmethod
    def prepare(cls, base_url: str, database_url: str, scratch: Path) -> Inputs:
        import dj_database_url

        from config.dsn import conninfo

        rng = random.Random(7)
        with psycopg.connect(conninfo(dict(dj_database_url.parse(database_url)))) as conn:
            ids = [
                str(r[0])
                for r in conn.execute(
                    "SELECT id FROM trainers_trainer WHERE status IN ('published', 'on_leave')"
                    " ORDER BY random() LIMIT 5000"
                ).fetchall()
            ]
            filters = [
                (r[0], r[1])
                for r in conn.execute(
                    "SELECT s.slug, b.slug FROM trainers_specialty s CROSS JOIN trainers_branch b"
                ).fetchall()
            ]
            last_names = [
                r[0]
                for r in conn.execute(
                    "SELECT DISTINCT last_name FROM trainers_trainer LIMIT 200"
                ).fetchall()
            ]
            specialties = [r[0] for r in conn.execute("SELECT name FROM trainers_specialty")]
            counted = conn.execute("SELECT count(*) FROM read.trainer").fetchone()
            public = int(counted[0]) if counted else 0
            # Page 4000, or the last full page of a smaller database.
            deep_page = max(2, min(DEEP_PAGE, public // PAGE))
            deep_items = (deep_page - 1) * PAGE
            deep_cursor = _cursor_after(conn, deep_items)
        terms = [n[: rng.randint(3, max(3, len(n)))] for n in last_names]
        terms += [s.split()[0].lower()[:5] for s in specialties]
        with httpx.Client(base_url=base_url, timeout=30) as client:
            page_bytes = len(client.get("/query/trainers", params={"limit": PAGE}).content)
        return cls(
            scratch,
            ids,
            filters,
            terms,
            deep_cursor,
            deep_items,
            _staff_token(database_url),
            page_bytes,
        )

    def paths_file(self, name: str, paths: list[str]) -> Path:
        path = self.scratch / f"{name}.txt"
        path.write_text("\n".join(paths) + "\n")
        return path


def _cursor_after(conn: psycopg.Connection[tuple[object, ...]], items: int) -> str | None:
    """The cursor a client holds after paging through ``items`` trainers by name.

    Built the way the API builds it, from the row the previous page ended on, so
    the benchmark need not walk thousands of pages to get there.
    """
    from readapi import cursor
    from readapi.handlers.search import statement
    from readapi.queries import TrainerSearch

    row = conn.execute(
        "SELECT sort_key, id FROM read.trainer ORDER BY sort_key, id OFFSET %s LIMIT 1",
        (items - 1,),
    ).fetchone()
    if row is None:
        return None
    _, _, order, fp = statement(TrainerSearch(), trigram=False)
    return cursor.encode(cursor.Position(order, str(row[0]), UUID(str(row[1]))), fp)


def _staff_token(database_url: str) -> str:
    code = (
        "from django.contrib.auth import get_user_model;"
        "from rest_framework.authtoken.models import Token;"
        "u, _ = get_user_model().objects.get_or_create(username='bench', "
        "defaults={'is_staff': True, 'is_superuser': True});"
        "print(Token.objects.get_or_create(user=u)[0].key)"
    )
    out = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "shell", "-c", code],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return out.stdout.strip().splitlines()[-1]


def scenarios(inputs: Inputs) -> list[Scenario]:
    get, patch = LUA / "paths.lua", LUA / "patch.lua"

    def gets(name: str, paths: list[str], header: str | None = None) -> Scenario:
        args = [str(inputs.paths_file(name.replace(":", "_"), paths))]
        if header is None:
            cached = name.endswith(":ours")
            return Scenario(name, get, args, paths[0], prime=paths if cached else [])
        key, _, value = header.partition(": ")
        return Scenario(name, get, [*args, header], paths[0], {key: value})

    filtered = [urlencode({"specialty": s, "branch": b}) for s, b in inputs.filters]
    searches = [urlencode({"q": t}, quote_via=quote) for t in inputs.terms]
    deep = [f"/query/trainers?cursor={inputs.deep_cursor}"] if inputs.deep_cursor else []
    deep_page = inputs.deep_items // PAGE + 1
    auth = f"Token {inputs.token}"
    out = [
        gets("list:ours", [f"/query/trainers?{f}" for f in filtered]),
        # The same requests past the response cache: what a cache miss costs.
        gets("list:ours_uncached", [f"/query/trainers?{f}" for f in filtered], NO_CACHE),
        gets("list:naive_drf", [f"/bench/naive/trainers/?{f}" for f in filtered]),
        gets("first_page:ours", ["/query/trainers"]),
        gets("first_page:ours_uncached", ["/query/trainers"], NO_CACHE),
        gets("search:ours", [f"/query/trainers?{s}" for s in searches]),
        gets("search:ours_uncached", [f"/query/trainers?{s}" for s in searches], NO_CACHE),
        gets("search:naive_drf", [f"/bench/naive/trainers/?{s}" for s in searches]),
        gets("detail:ours", [f"/query/trainers/{i}" for i in inputs.ids]),
        gets("detail:ours_uncached", [f"/query/trainers/{i}" for i in inputs.ids], NO_CACHE),
        gets("detail:naive_drf", [f"/bench/naive/trainers/{i}/" for i in inputs.ids]),
        gets("detail:ceiling", ["/bench/ceiling"]),
        gets("facets:ours", ["/query/specialties", "/query/branches"]),
    ]
    if deep:
        at = next(i for i, s in enumerate(out) if s.name == "first_page:ours_uncached")
        naive_deep = f"/bench/naive/trainers/?page={deep_page}"
        out[at + 1 : at + 1] = [
            gets("deep_page:ours", deep),
            gets("deep_page:ours_uncached", deep, NO_CACHE),
            gets("deep_page:naive_drf", [naive_deep]),
        ]
    write_ids = inputs.ids[:2000]
    for name, prefix in (
        ("write:ours", "/api/trainers/"),
        ("write:plain_drf", "/bench/plain/trainers/"),
    ):
        paths = inputs.paths_file(name.replace(":", "_"), [f"{prefix}{i}/" for i in write_ids])
        sample = f"{prefix}{write_ids[0]}/"
        out.append(Scenario(name, patch, [str(paths), auth], sample, {"Authorization": auth}))
    return out
