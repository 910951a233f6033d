"""Bounded requests (issue 17, finding 2), against uvicorn as deployed (config/server.py).

Slow, idle, oversized and endless requests are cut off before the application buffers
them; the server keeps answering everyone else meanwhile.
"""

from __future__ import annotations

import socket
import statistics
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.core.management import call_command
from django.db import connections

from tests.server import LiveServer, start_server

# The django_db mark makes pytest-django create the test database even when this module
# runs alone (it sets up only the databases collected tests ask for); without it the
# server below was started on the development database.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

TIMEOUT = 2.0


@pytest.fixture(scope="module")
def server(django_db_setup: None, django_db_blocker: Any) -> Iterator[LiveServer]:
    with django_db_blocker.unblock():
        settings_dict = dict(connections["default"].settings_dict)
    live = start_server(settings_dict, env={"REQUEST_TIMEOUT_SECONDS": str(TIMEOUT)})
    try:
        yield live
    finally:
        live.stop()
        # The server committed its failed logins (the wrong password below) to the test
        # database, where they would count against the next lockout test of this worker.
        with django_db_blocker.unblock():
            call_command("axes_reset", verbosity=0)


def connect(server: LiveServer) -> socket.socket:
    host, port = server.url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=10)
    return sock


def answer(sock: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def status_of(raw: bytes) -> int:
    return int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/1.1 ") else 0


@pytest.mark.slow
def test_300_slow_and_idle_connections_are_closed_and_healthz_stays_fast(
    server: LiveServer,
) -> None:
    sockets = [connect(server) for _ in range(300)]
    try:
        for i, sock in enumerate(sockets):
            if i % 2:  # half trickle a request line, half send nothing at all
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        timings = []
        for _ in range(5):
            started = time.monotonic()
            assert httpx.get(f"{server.url}/healthz").status_code == 200
            timings.append(time.monotonic() - started)
        # The median: the suite runs beside other tests on a shared machine.
        assert statistics.median(timings) < 0.1, timings
        time.sleep(TIMEOUT + 1.0)
        closed = 0
        for sock in sockets:
            sock.settimeout(2)
            raw = answer(sock)  # returns once the server closed it
            assert raw == b"" or status_of(raw) == 408, raw[:100]
            closed += 1
        assert closed == 300
    finally:
        for sock in sockets:
            sock.close()


def test_a_request_trickled_past_the_timeout_is_408(server: LiveServer) -> None:
    sock = connect(server)
    try:
        started = time.monotonic()
        for part in (b"POST /api/auth/token/ HTTP/1.1\r\n", b"Host: x\r\n"):
            sock.sendall(part)
            time.sleep(TIMEOUT / 3)
        sock.sendall(b"Content-Length: 100\r\n\r\n{")
        raw = answer(sock)
        assert status_of(raw) == 408
        assert b"application/problem+json" in raw
        # The server starts the clock when it accepts the connection, a moment before ours.
        assert TIMEOUT - 0.2 <= time.monotonic() - started < TIMEOUT + 1.5
    finally:
        sock.close()


@pytest.mark.parametrize(
    "headers",
    [
        {"X-Big": "a" * 20_000 + "b" * 20_000},
        {f"X-H{i}": "1" for i in range(200)},
    ],
    ids=["one huge header", "200 headers"],
)
def test_oversized_headers_are_431(server: LiveServer, headers: dict[str, str]) -> None:
    response = httpx.get(f"{server.url}/healthz", headers=headers)
    assert response.status_code == 431
    assert response.headers["content-type"] == "application/problem+json"


def chunks(total: int, size: int = 65536) -> Iterator[bytes]:
    sent = 0
    while sent < total:
        yield b"x" * size
        sent += size


@pytest.mark.parametrize(
    "path", ["/healthz", "/api/auth/token/", "/api/trainers/", "/query/trainers"]
)
def test_a_chunked_body_past_the_limit_is_413_before_it_is_read(
    server: LiveServer, path: str
) -> None:
    started = time.monotonic()
    try:
        response = httpx.post(f"{server.url}{path}", content=chunks(30 * 1024 * 1024))
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
    except httpx.WriteError:
        pass  # the server answered 413 and closed while we were still sending
    assert time.monotonic() - started < 5


def test_a_declared_length_past_the_limit_is_413_without_a_body(server: LiveServer) -> None:
    sock = connect(server)
    try:
        sock.sendall(
            b"POST /api/auth/token/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 31457280\r\n\r\n"
        )
        assert status_of(answer(sock)) == 413
    finally:
        sock.close()


def test_a_small_chunked_body_reaches_the_command_api(server: LiveServer) -> None:
    """A chunked body was read as empty ("Send at least one field"); now it is parsed."""
    body = b'{"username": "nobody", "password": "wrong"}'
    response = httpx.post(
        f"{server.url}/api/auth/token/",
        content=iter([body[:10], body[10:]]),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Unable to log in with provided credentials."


def test_an_idle_keep_alive_connection_is_closed(server: LiveServer) -> None:
    """Between requests uvicorn's --timeout-keep-alive (5 s, config/server.py) applies."""
    sock = connect(server)
    try:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        first = b""
        while not first.endswith(b"}"):  # the headers, then the JSON body
            first += sock.recv(65536)
        assert status_of(first) == 200
        started = time.monotonic()
        sock.settimeout(15)
        assert answer(sock) == b""  # nothing more, then closed by the server
        assert 4.0 <= time.monotonic() - started < 8.0
    finally:
        sock.close()
