"""A real uvicorn server over real HTTP: readiness, both doc pages, admin with its CSS."""

from __future__ import annotations

import json
import re
import socket
import time
from typing import Any

import httpx
import pytest

from tests.server import LiveServer

pytestmark = pytest.mark.e2e


def test_server_serves_both_sides_over_http(live_server_process: LiveServer) -> None:
    with httpx.Client(base_url=live_server_process.url, timeout=10) as http:
        assert http.get("/readyz").status_code == 200

        docs = http.get("/query/docs")
        assert docs.status_code == 200
        assert "/query/openapi.json" in docs.text
        assert http.get("/query/openapi.json").json()["openapi"].startswith("3.")

        login = http.get("/admin/login/")
        assert login.status_code == 200
        stylesheets = re.findall(r'href="([^"]+\.css)"', login.text)
        assert stylesheets, "the admin login page links no stylesheet"
        for href in stylesheets:
            css = http.get(href)
            assert css.status_code == 200, href
            assert "text/css" in css.headers["content-type"]


def test_head_over_http_also_on_the_change_feed(live_server_process: LiveServer) -> None:
    """uvicorn over a real socket: HEAD gets the GET's headers and no body, and a HEAD
    of the never-ending change feed ends at once instead of holding a stream."""
    with httpx.Client(base_url=live_server_process.url, timeout=5) as http:
        get = http.get("/query/specialties")
        head = http.head("/query/specialties")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == get.headers["content-length"]

        feed = http.head("/query/changes")
        assert feed.status_code == 200
        assert feed.headers["content-type"].startswith("text/event-stream")
        assert feed.content == b""
        for _ in range(50):  # the stream behind the HEAD has ended: no stream is open
            metrics = http.get("/metrics").text
            if re.search(r"^readapi_feed_streams\{[^}]*\} 0\.0$", metrics, re.M):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the HEAD request's stream is still open")


def _response(reader: Any, *, head: bool = False) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 response from a buffered socket reader: status, headers, body."""
    status = int(reader.readline().split(b" ", 2)[1])
    headers: dict[str, str] = {}
    while (line := reader.readline()) != b"\r\n":
        name, _, value = line.decode("latin-1").partition(":")
        assert name.lower() not in headers, f"{name} sent twice"
        headers[name.lower()] = value.strip()
    if head or status in (204, 304):
        return status, headers, b""
    if headers.get("transfer-encoding") == "chunked":
        body = b""
        while size := int(reader.readline(), 16):
            body += reader.read(size)
            assert reader.read(2) == b"\r\n"
        assert reader.read(2) == b"\r\n"
        return status, headers, body
    return status, headers, reader.read(int(headers["content-length"]))


def test_responses_are_framed_right_on_a_kept_alive_connection(
    live_server_process: LiveServer,
) -> None:
    """config/server.py's ``Cycle`` writes a response with its length in one piece, from
    header lines it remembers: eight requests pipelined on one connection (JSON, 404,
    304, HEAD, Django's pages, a repeat whose lines are remembered, and a last one that
    asks to close) come back whole, in order, each framed by its own length."""
    host, port = live_server_process.url.removeprefix("http://").split(":")
    etag = httpx.get(f"{live_server_process.url}/query/specialties").headers["etag"]
    requests = [
        ("GET", "/query/specialties", ""),
        ("GET", "/query/trainers/00000000-0000-0000-0000-000000000000", ""),
        ("GET", "/query/specialties", f"If-None-Match: {etag}\r\n"),
        ("HEAD", "/query/branches", ""),
        ("GET", "/healthz", ""),
        ("GET", "/admin/login/", ""),
        ("GET", "/query/specialties", ""),
        ("GET", "/query/branches", "Connection: close\r\n"),
    ]
    raw = b"".join(
        f"{method} {path} HTTP/1.1\r\nHost: localhost\r\n{extra}\r\n".encode()
        for method, path, extra in requests
    )
    with (
        socket.create_connection((host, int(port)), timeout=10) as sock,
        sock.makefile("rb") as reader,
    ):
        sock.sendall(raw)
        answers = [_response(reader, head=method == "HEAD") for method, _, _ in requests]
        assert reader.read() == b"", "bytes after the last response, or no close"
    statuses = [status for status, _, _ in answers]
    assert statuses == [200, 404, 304, 200, 200, 200, 200, 200]
    first, missing, not_modified, head, _, login, again, last = answers
    assert json.loads(first[2]) == json.loads(again[2]) and first[2]
    varying = ("x-request-id", "date", "x-cache")
    assert {k: v for k, v in first[1].items() if k not in varying} == {
        k: v for k, v in again[1].items() if k not in varying
    }
    assert first[1]["x-request-id"] != again[1]["x-request-id"]
    assert json.loads(missing[2])["status"] == 404
    assert not_modified[1]["etag"] == etag and "content-length" not in not_modified[1]
    assert int(head[1]["content-length"]) == len(last[2]) and json.loads(last[2])
    assert b"<form" in login[2]
    assert last[1]["connection"] == "close"
