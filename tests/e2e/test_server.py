"""A real uvicorn server over real HTTP: readiness, both doc pages, admin with its CSS."""

from __future__ import annotations

import re

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
