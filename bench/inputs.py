"""What the scenarios request, drawn from the benchmark database once per run.

- ``ids``: up to 5,000 random public trainers (detail, and the writers' targets), and
  ``slugs``: theirs (profile pages);
- ``zipf_ids``: 20,000 draws from those ids with Zipf-like weights (rank ``r`` drawn
  with weight ``1 / r``), so a few hot profiles take most requests;
- ``filters``: every specialty x branch pair (list pages);
- ``terms``: ~300 distinct search terms (names, name prefixes, specialties, bio words);
- the cursor of a deep page, a staff token, and the size of a real list page.

Every draw uses a fixed seed, so two runs on one database ask the same questions
(bios the benchmark's own writes replaced are skipped, so the bio words stay close).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from bench.database import ROOT

DEEP_PAGE = 4000
PAGE = 20
IDS = 5000
ZIPF_DRAWS = 20_000
ZIPF_EXPONENT = 1.0
# How many search terms of each kind; ~300 in all once duplicates are gone.
TERM_KINDS = {"last_names": 70, "first_names": 50, "prefixes": 90, "bio_words": 70}
# How the benchmark's own writes begin a bio; such bios are not drawn from.
BENCH_BIO = "Benchmark bio"

Connection = psycopg.Connection[tuple[object, ...]]


@dataclass
class Inputs:
    scratch: Path
    ids: list[str]
    slugs: list[str]
    zipf_ids: list[str]
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
            ids = _column(
                conn,
                "SELECT id FROM trainers_trainer WHERE status IN ('published', 'on_leave')"
                " ORDER BY md5(id::text) LIMIT %s",
                IDS,
            )
            slugs = _column(
                conn,
                "SELECT t.slug FROM unnest(%s::uuid[]) WITH ORDINALITY AS i(id, n)"
                " JOIN trainers_trainer t ON t.id = i.id ORDER BY i.n",
                ids,
            )
            filters = [
                (str(r[0]), str(r[1]))
                for r in conn.execute(
                    "SELECT s.slug, b.slug FROM trainers_specialty s CROSS JOIN trainers_branch b"
                    " ORDER BY 1, 2"
                ).fetchall()
            ]
            terms = search_terms(conn, rng)
            counted = conn.execute("SELECT count(*) FROM read.trainer").fetchone()
            public = int(str(counted[0])) if counted else 0
            # Page 4000, or the last full page of a smaller database.
            deep_page = max(2, min(DEEP_PAGE, public // PAGE))
            deep_items = (deep_page - 1) * PAGE
            deep_cursor = _cursor_after(conn, deep_items)
        with httpx.Client(base_url=base_url, timeout=30) as client:
            page_bytes = len(client.get("/query/trainers", params={"limit": PAGE}).content)
        return cls(
            scratch,
            ids,
            slugs,
            zipf(ids, rng),
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


def zipf(ids: list[str], rng: random.Random) -> list[str]:
    """``ZIPF_DRAWS`` ids, the one at rank ``r`` drawn with weight ``1 / r**ZIPF_EXPONENT``.

    wrk's script picks lines of a file uniformly, so a file of these draws gives
    requests with the same skew.
    """
    if not ids:
        return []
    weights = [1 / rank**ZIPF_EXPONENT for rank in range(1, len(ids) + 1)]
    return rng.choices(ids, weights, k=ZIPF_DRAWS)


def search_terms(conn: Connection, rng: random.Random) -> list[str]:
    """~300 distinct terms a search box receives: names, prefixes, specialties, bio words."""
    last = _column(conn, "SELECT DISTINCT last_name FROM trainers_trainer ORDER BY 1")
    first = _column(conn, "SELECT DISTINCT first_name FROM trainers_trainer ORDER BY 1")
    specialties = _column(conn, "SELECT name FROM trainers_specialty ORDER BY 1")
    bio_words = _column(
        conn,
        "SELECT DISTINCT lower(w) FROM (SELECT regexp_split_to_table(bio, '[^[:alpha:]]+') w"
        " FROM (SELECT bio FROM trainers_trainer WHERE bio NOT LIKE %s"
        " ORDER BY md5(id::text) LIMIT 500) b) w"
        " WHERE length(w) >= 5 ORDER BY 1",
        f"{BENCH_BIO}%",
    )
    names = last + first

    def some(items: list[str], kind: str) -> list[str]:
        return rng.sample(items, min(len(items), TERM_KINDS[kind]))

    prefixes = [n[: rng.randint(3, 5)].lower() for n in some(names, "prefixes")]
    terms = [
        *some(last, "last_names"),
        *some(first, "first_names"),
        *prefixes,
        *(s.lower() for s in specialties),
        *(s.split()[0].lower()[:5] for s in specialties),
        *some(bio_words, "bio_words"),
    ]
    return list(dict.fromkeys(t for t in terms if len(t) >= 3))


def _column(conn: Connection, query: str, *params: object) -> list[str]:
    return [str(r[0]) for r in conn.execute(query, params or None).fetchall()]


def _cursor_after(conn: Connection, items: int) -> str | None:
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
    return cursor.encode(cursor.Position(order, str(row[0]), str(row[1])), fp)


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
