"""``readapi/statements.py``: prepared statements through libpq, on a real connection."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import pytest
from psycopg import errors

from config.dsn import read_dsn
from readapi import statements
from readapi.handlers import search
from readapi.queries import TrainerSearch

Body = Callable[[psycopg.AsyncConnection[Any]], Awaitable[Any]]


def on_connection(body: Body) -> Any:
    async def run() -> Any:
        async with await psycopg.AsyncConnection.connect(read_dsn(), autocommit=True) as conn:
            return await body(conn)

    return asyncio.run(run())


def values(result: Any) -> list[list[bytes | None]]:
    return [
        [result.get_value(row, col) for col in range(result.nfields)]
        for row in range(result.ntuples)
    ]


def prepared_names(conn: Any) -> Awaitable[Any]:
    async def names() -> list[str]:
        cur = await conn.execute("SELECT name FROM pg_prepared_statements WHERE name LIKE 'tp\\_%'")
        return sorted(row[0] for row in await cur.fetchall())

    return names()


def test_parameters_arrive_as_postgresql_reads_them(transactional_db: None) -> None:
    sql = (
        "SELECT %(n)s::int + 1, %(words)s::text[], %(word)s::text, %(none)s::text IS NULL,"
        " %(flag)s::boolean, '100%%', %(n)s::int * 2"
    )
    params = {"n": 41, "words": ['a "b"', "c\\d", "e,f", None], "word": "x'y", "none": None}

    async def body(conn: Any) -> Any:
        return values(await statements.run(conn, sql, {**params, "flag": True}))

    assert on_connection(body) == [
        [b"42", b'{"a \\"b\\"","c\\\\d","e,f",NULL}', b"x'y", b"t", b"t", b"100%", b"82"]
    ]


def test_a_statement_is_prepared_once_and_survives_a_reset(transactional_db: None) -> None:
    async def body(conn: Any) -> Any:
        first = values(await statements.run(conn, "SELECT %(a)s::int", {"a": 1}))
        again = values(await statements.run(conn, "SELECT %(a)s::int", {"a": 2}))
        named = await prepared_names(conn)
        # A pooler's reset (or anyone's DEALLOCATE) leaves the client's list stale.
        await conn.execute("DEALLOCATE ALL")
        after = values(await statements.run(conn, "SELECT %(a)s::int", {"a": 3}))
        return first, again, named, after, await prepared_names(conn)

    first, again, named, after, named_after = on_connection(body)
    assert (first, again, after) == ([[b"1"]], [[b"2"]], [[b"3"]])
    assert len(named) == 1 and named == named_after


def test_the_least_recently_used_statement_makes_room(
    transactional_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(statements, "MAX_PREPARED", 3)

    async def body(conn: Any) -> Any:
        for n in range(3):
            await statements.run(conn, f"SELECT {n}")
        await statements.run(conn, "SELECT 0")  # used again: the most recent
        await statements.run(conn, "SELECT 3")  # evicts SELECT 1, the least recent
        return await prepared_names(conn)

    kept = on_connection(body)
    expected = sorted(statements.compiled(f"SELECT {n}")[0].decode() for n in (0, 2, 3))
    assert kept == expected


def test_errors_are_psycopgs_and_leave_the_connection_usable(transactional_db: None) -> None:
    async def body(conn: Any) -> Any:
        with pytest.raises(errors.UndefinedTable):
            await statements.run(conn, "SELECT * FROM read.no_such_table")
        with pytest.raises(errors.InvalidTextRepresentation):
            await statements.run(conn, "SELECT %(n)s::int", {"n": "seven"})
        return values(await statements.run(conn, "SELECT %(n)s::int", {"n": 7}))

    assert on_connection(body) == [[b"7"]]


def test_list_filters_are_constants_and_words_stay_parameters() -> None:
    sql, _, _, _ = search.statement(
        TrainerSearch(branch="downtown", specialties=("yoga",), shift="morning", weekday=3),
        trigram=True,
        ids=(4, [7, 9]),
    )
    assert "t.branch_id = 4" in sql and "'{7,9}'::bigint[]" in sql
    assert "t.shift = 'morning'" in sql and "ARRAY[3::smallint]" in sql
    assert statements.compiled(sql)[2] == ()  # no parameter left: planned once

    sql, _, _, _ = search.statement(TrainerSearch(q="o'brien yoga"), trigram=True)
    assert "o'brien" not in sql and "brien" not in sql
    assert set(statements.compiled(sql)[2]) >= {"tsq", "words", "word_list"}
    # A value that is not a plain name is never written into the text.
    assert search.constant("x' OR true --") is None
    assert search.constant(True) is None


def test_a_search_text_is_assembled_once_per_shape() -> None:
    def text(**kwargs: Any) -> str:
        return search.statement(TrainerSearch(**kwargs), trigram=True, ids=(4, [7]))[0]

    page = text(branch="downtown", specialties=("yoga",))
    # Other words, or words in another order: the same text, the same object.
    assert text(branch="downtown", specialties=("yoga",), q="ana") is text(
        branch="downtown", specialties=("yoga",), q="bruno"
    )
    assert text(branch="downtown", specialties=("yoga",)) is page
    # Anything written into it, or another kind of search, is another text.
    assert text(branch="downtown", specialties=("yoga",), limit=5) != page
    assert text(branch="downtown", specialties=("yoga",), shift="morning") != page
    assert text(branch="downtown", specialties=("yoga",), q="ana") != page
    assert text(q="ana") != text(q="ana silva")
