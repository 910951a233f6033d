"""Keyset paging: every public trainer exactly once, even while trainers are added."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import make_branch, make_trainer
from trainers.models import Status


def walk(client: TestClient, limit: int, between_pages: Any = None, **params: Any) -> list[str]:
    seen: list[str] = []
    cursor = None
    for page_number in range(1000):
        query = {**params, "limit": limit} | ({"cursor": cursor} if cursor else {})
        response = client.get("/query/trainers", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= limit
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
        if between_pages:
            between_pages(page_number)
    raise AssertionError("paging did not end")


def test_every_public_trainer_exactly_once(app_client: TestClient, transactional_db: None) -> None:
    branch = make_branch()
    public = {str(make_trainer(branch=branch, last_name="Same").pk) for _ in range(23)}
    make_trainer(branch=branch, status=Status.DRAFT)
    for limit in (1, 7, 23, 100):
        seen = walk(app_client, limit)
        assert len(seen) == len(set(seen)) == 23
        assert set(seen) == public


def test_search_results_page_by_rank_exactly_once(
    app_client: TestClient, transactional_db: None
) -> None:
    branch = make_branch()
    matching = {
        str(make_trainer(branch=branch, first_name="Kim", bio="kim " * (i % 4)).pk)
        for i in range(17)
    }
    make_trainer(branch=branch, first_name="Other")
    seen = walk(app_client, 5, q="kim")
    assert len(seen) == len(set(seen)) == 17
    assert set(seen) == matching


def test_stable_under_concurrent_inserts(app_client: TestClient, transactional_db: None) -> None:
    """Rows added between pages, before and after the cursor, never repeat or hide older ones."""
    branch = make_branch()
    original = {str(make_trainer(branch=branch, last_name=f"M{i:02d}").pk) for i in range(20)}

    def insert(page_number: int) -> None:
        make_trainer(branch=branch, last_name=f"A{page_number}")  # sorts before every cursor
        make_trainer(branch=branch, last_name=f"Z{page_number}")  # sorts after

    seen = walk(app_client, 6, between_pages=insert)
    assert len(seen) == len(set(seen))
    assert original <= set(seen)


def test_filters_page_too(app_client: TestClient, transactional_db: None) -> None:
    a, b = make_branch(), make_branch()
    in_a = {str(make_trainer(branch=a).pk) for _ in range(9)}
    for _ in range(5):
        make_trainer(branch=b)
    assert set(walk(app_client, 4, branch=a.slug)) == in_a


def test_read_connections_scan_from_the_first_block(transactional_db: None) -> None:
    """A search's bounded candidates are the first matches found: the same on every page
    only if no sequential scan starts where another one is (docs/read-model.md). And a
    prepared statement is planned once (readapi/db.py)."""
    import asyncio

    import psycopg

    from config.dsn import read_dsn
    from readapi.db import configure

    async def settings() -> tuple[str, ...]:
        async with await psycopg.AsyncConnection.connect(read_dsn(), autocommit=True) as conn:
            await configure(conn)
            names = ("synchronize_seqscans", "max_parallel_workers_per_gather", "plan_cache_mode")
            values = []
            for name in names:
                row = await (await conn.execute(f"SHOW {name}")).fetchone()
                assert row is not None
                values.append(row[0])
            return tuple(values)

    assert asyncio.run(settings()) == ("off", "0", "force_generic_plan")
