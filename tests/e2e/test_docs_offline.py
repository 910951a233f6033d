"""The three API docs pages load everything from the app itself: offline and under a strict
CSP (no other host, no inline script), each linking to its raw schema."""

from __future__ import annotations

import re

import httpx
import pytest
from django.contrib.auth.models import User

from tests.server import LiveServer

pytestmark = pytest.mark.e2e

PAGES = {
    "/query/docs": "/query/openapi.json",
    "/api/docs/": "/api/schema/",
    "/ops/docs": "/ops/openapi.json",
}
ASSET = re.compile(r'(?:src|href)="([^"]+)"')


@pytest.mark.parametrize("page", PAGES)
def test_docs_pages_need_no_other_host(live_server_process: LiveServer, page: str) -> None:
    User.objects.create_superuser("docs", "docs@example.com", "a-long-docs-password-1")
    with httpx.Client(base_url=live_server_process.url, timeout=10) as http:
        if page.startswith("/ops/"):  # staff only: a session from the admin login
            http.get("/admin/login/")
            login = http.post(
                "/admin/login/",
                data={
                    "username": "docs",
                    "password": "a-long-docs-password-1",
                    "csrfmiddlewaretoken": http.cookies["csrftoken"],
                    "next": "/admin/",
                },
            )
            assert login.status_code == 302
        html = http.get(page)
        assert html.status_code == 200
        text = html.text
        assert not re.search(r"https?://(?!127\.0\.0\.1)", text), "a request to another host"
        assert not re.search(r"<script>(?!\s*</script>)", text), "an inline script"
        assets = [a for a in ASSET.findall(text) if not a.startswith(("#", "data:"))]
        assert any(a.endswith(".js") for a in assets)
        scripts = ""
        for asset in assets:
            response = http.get(asset)
            scripts += response.text if "bundle" not in asset else ""
            assert response.status_code == 200, asset
            if asset.endswith(".js"):
                assert "javascript" in response.headers["content-type"], asset
            if asset.endswith(".css"):
                assert "text/css" in response.headers["content-type"], asset
        # Swagger UI shows the schema's address as a link above the operations.
        assert PAGES[page] in text + scripts, "the page names its raw schema"
