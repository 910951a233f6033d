"""A real uvicorn server over real HTTP: readiness, both doc pages, admin with its CSS."""

from __future__ import annotations

import re
import time

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
