"""Common words of the search column get a statement that scans (handlers/search.py)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import psycopg
import pytest

from config.dsn import read_dsn
from readapi import statements
from readapi.db import configure
from readapi.handlers import search
from readapi.handlers.trainers import common_words
from readapi.queries import TrainerSearch
from tests.factories import make_branch, make_trainer


def test_a_prefix_sums_the_lexemes_it_starts() -> None:
    common = search.CommonWords(["since", "sincere", "sing", "and"], [0.3, 0.01, 0.05, 0.9])
    assert common.frequency("since") == pytest.approx(0.31)
    assert common.frequency("sin") == pytest.approx(0.36)
    assert common.frequency("an") == pytest.approx(0.9)
    assert common.frequency("zebra") == 0
    assert search.NO_STATISTICS.frequency("since") == 0


def test_only_a_common_single_word_scans() -> None:
    common = search.CommonWords(["since", "rare"], [0.4, 0.001])

    def sql(**kwargs: Any) -> str:
        return search.statement(TrainerSearch(**kwargs), trigram=True, common=common)[0]

    assert search.FULL_TEXT_SCAN in sql(q="since")
    assert search.FULL_TEXT_SCAN not in sql(q="rare")
    assert search.FULL_TEXT_SCAN not in sql(q="since rare")
    assert search.FULL_TEXT_SCAN not in sql(q="since", shift="morning")
    assert search.FULL_TEXT_SCAN not in search.statement(TrainerSearch(q="since"), trigram=True)[0]


def test_the_scan_finds_the_same_page_as_the_index(transactional_db: None) -> None:
    branch = make_branch(slug="downtown", name="Downtown", city="Lisbon")
    for n in range(40):
        bio = "Coaching since 2010." if n % 2 else "Strength and mobility."
        make_trainer(first_name=f"Ana{n}", last_name="Silva", branch=branch, bio=bio)

    async def pages() -> tuple[float, list[bytes | None]]:
        async with await psycopg.AsyncConnection.connect(read_dsn(), autocommit=True) as conn:
            await configure(conn)
            await conn.execute("ANALYZE read.trainer")
            common = await common_words(conn)
            found = []
            for words in (search.NO_STATISTICS, common):
                query = TrainerSearch(q="since", limit=5)
                sql, params, _, _ = search.statement(query, trigram=True, common=words)
                assert (search.FULL_TEXT_SCAN in sql) is (words is common)
                found.append((await statements.run(conn, sql, params)).get_value(0, 0))
            return common.frequency("since"), found

    frequency, (by_index, by_scan) = asyncio.run(pages())
    assert frequency >= search.COMMON
    assert by_index == by_scan and by_index is not None
    # Five of the twenty whose bio says "since" (ties: which five is the ids' order).
    names = [item["first_name"] for item in json.loads(by_index)]
    assert len(names) == 5 and all(int(name[3:]) % 2 == 1 for name in names), names
