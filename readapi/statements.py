"""The hot statements of the read side, run through the connection's libpq handle.

``run`` sends a statement written with psycopg's ``%(name)s`` placeholders as a
server-side prepared statement with text parameters, and returns libpq's result
as it is: the values stay the bytes PostgreSQL sent (a JSON document goes to the
client without being decoded). It does what ``AsyncConnection.execute`` does for
these statements without its cursor, its adapters and its query parsing on every
call: 110-150 us of Python instead of 210-230 us for a batch of eleven profiles
(docs/performance.md). Results are read as psycopg's ``execute`` generator reads
them, with one reader registration on the event loop per result; error classes are
psycopg's own (``psycopg.errors``), and a statement cancelled on its way leaves its
connection busy, which the lender gives back to the pool to close (readapi/lender.py).

Each connection prepares a statement on first use (``tp_`` and a digest of its
text, apart from psycopg's own ``_pg3_`` names) and keeps the ``MAX_PREPARED`` it
used last: a prepared list page holds ~70 KB of the server's memory, so a
connection holds at most ~14 MB of them; the least recently used is deallocated
to make room. PostgreSQL infers the parameters' types from the statement, as it
does for psycopg's untyped text parameters. A server that forgot a statement (a
connection reset behind a pooler) gets it prepared again.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import re
import weakref
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

from psycopg import AsyncConnection, errors, generators, pq

PLACEHOLDER = re.compile(r"%\((\w+)\)s|%%")
MAX_PREPARED = 200
# The server no longer has a statement of that name; it has one already (a prepare
# interrupted after the server took it).
UNKNOWN_STATEMENT = "26000"
DUPLICATE_STATEMENT = "42P05"

# Per connection, its prepared statements' names, least recently used first.
_prepared: weakref.WeakKeyDictionary[AsyncConnection[Any], OrderedDict[bytes, None]] = (
    weakref.WeakKeyDictionary()
)


@functools.lru_cache(maxsize=1024)
def compiled(sql: str) -> tuple[bytes, bytes, tuple[str, ...]]:
    """The statement's name, its text with ``$n`` placeholders, and the parameter names
    in ``$n`` order (a name used twice is one parameter)."""
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name is None:
            return "%"
        if name not in names:
            names.append(name)
        return f"${names.index(name) + 1}"

    text = PLACEHOLDER.sub(number, sql).encode()
    name = b"tp_" + hashlib.blake2b(text, digest_size=12).hexdigest().encode()
    return name, text, tuple(names)


def literal(value: Any) -> bytes | None:
    """A parameter in PostgreSQL's text format; lists become array literals."""
    if value is None:
        return None
    if isinstance(value, bool):
        return b"t" if value else b"f"
    if isinstance(value, (list, tuple)):
        if value and all(type(v) is str for v in value):  # ids, slugs: quoted as they are
            joined = '","'.join(value)
            if "\\" not in joined and joined.count('"') == 2 * (len(value) - 1):
                return ('{"' + joined + '"}').encode()
        return ("{" + ",".join(_element(v) for v in value) + "}").encode()
    return str(value).encode()


def _element(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


async def run(
    conn: AsyncConnection[Any], sql: str, params: Mapping[str, Any] | None = None
) -> pq.abc.PGresult:
    """The result of one statement (tuples expected), or psycopg's error for it."""
    name, text, names = compiled(sql)
    values: Sequence[bytes | None] = [literal(params[n]) for n in names] if params else []
    async with conn.lock:
        prepared = _prepared.get(conn)
        if prepared is None:
            prepared = _prepared[conn] = OrderedDict()
        await _prepare(conn, prepared, name, text)
        conn.pgconn.send_query_prepared(name, values)
        result = await _results(conn)
        if _sqlstate(result) == UNKNOWN_STATEMENT:  # the server forgot it: once more
            del prepared[name]
            await _prepare(conn, prepared, name, text)
            conn.pgconn.send_query_prepared(name, values)
            result = await _results(conn)
        return _checked(result, conn)


async def _prepare(
    conn: AsyncConnection[Any], prepared: OrderedDict[bytes, None], name: bytes, text: bytes
) -> None:
    """Prepare ``name`` on ``conn`` unless it is, making room by the least recently used."""
    if name in prepared:
        prepared.move_to_end(name)
        return
    while len(prepared) >= MAX_PREPARED:
        oldest, _ = prepared.popitem(last=False)
        conn.pgconn.send_query(b"DEALLOCATE " + oldest)
        gone = await _results(conn)
        if _sqlstate(gone) != UNKNOWN_STATEMENT:
            _checked(gone, conn, pq.ExecStatus.COMMAND_OK)
    conn.pgconn.send_prepare(name, text)
    done = await _results(conn)
    if _sqlstate(done) != DUPLICATE_STATEMENT:
        _checked(done, conn, pq.ExecStatus.COMMAND_OK)
    prepared[name] = None


async def _results(conn: AsyncConnection[Any]) -> pq.abc.PGresult:
    """The last result of what was sent, read as psycopg's ``execute`` generator does,
    with one reader registration per result instead of one and a timer per wake-up."""
    pgconn = conn.pgconn
    if pgconn.flush() != 0:  # the statement did not fit the socket: psycopg sends the rest
        results: list[pq.abc.PGresult] = await conn.wait(generators.execute(pgconn))
        return results[-1]
    last = None
    while True:
        if pgconn.is_busy():
            await _arrived(pgconn)
        result = pgconn.get_result()
        if result is None:
            break
        last = result
    if last is None:
        raise errors.InternalError("no result for the statement sent")
    return last


async def _arrived(pgconn: pq.abc.PGconn) -> None:
    """Until libpq holds a whole result, its input read as it arrives."""
    loop = asyncio.get_running_loop()
    arrived = loop.create_future()

    def readable() -> None:
        try:
            pgconn.consume_input()
        except errors.OperationalError as exc:  # the server closed the connection
            if not arrived.done():
                arrived.set_exception(exc)
            return
        if not pgconn.is_busy() and not arrived.done():
            arrived.set_result(None)

    fileno = pgconn.socket
    loop.add_reader(fileno, readable)
    try:
        await arrived
    finally:
        loop.remove_reader(fileno)


def _sqlstate(result: pq.abc.PGresult) -> str:
    if result.status != pq.ExecStatus.FATAL_ERROR:
        return ""
    return (result.error_field(pq.DiagnosticField.SQLSTATE) or b"").decode()


def _checked(
    result: pq.abc.PGresult,
    conn: AsyncConnection[Any],
    expected: pq.ExecStatus = pq.ExecStatus.TUPLES_OK,
) -> pq.abc.PGresult:
    if result.status == expected:
        return result
    if result.status == pq.ExecStatus.FATAL_ERROR:
        raise errors.error_from_result(result, encoding=conn.info.encoding)
    raise errors.InternalError(f"unexpected result status {pq.ExecStatus(result.status).name}")
