"""A gym's own web page on another origin reads the query API in a real headless Chromium:
a list, a profile revalidated with its ETag (304), and a live change by EventSource."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import WAIT
from tests.factories import make_trainer
from tests.server import LiveServer
from trainers.commands import TrainerUpdateProfile
from trainers.handlers.trainer import trainer_update_profile

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(120),
    pytest.mark.django_db(transaction=True),
]

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Our trainers</title></head>
<body>
<p id="list"></p><p id="profile"></p><p id="feed"></p><p id="change"></p><p id="error"></p>
<script src="app.js"></script>
</body></html>
"""
SCRIPT = """
const api = new URLSearchParams(location.search).get("api");
const show = (id, text) => { document.getElementById(id).textContent = text; };
(async () => {
  const list = await fetch(api + "/query/trainers?limit=5");
  const page = await list.json();
  show("list", list.status + " " + page.items.map((t) => t.first_name).join(","));
  const url = api + "/query/trainers/" + page.items[0].id;
  const first = await fetch(url, {cache: "no-store"});
  const etag = first.headers.get("ETag");
  const again = await fetch(url, {cache: "no-store", headers: {"If-None-Match": etag}});
  show("profile", [first.status, (await first.json()).first_name, etag, again.status].join(" "));
  const feed = new EventSource(api + "/query/changes");
  feed.addEventListener("ready", () => show("feed", "ready"));
  feed.onmessage = (event) => show("change", event.data);
})().catch((error) => show("error", String(error)));
"""


@pytest.fixture
def other_origin(tmp_path: Path) -> Iterator[str]:
    """The gym's website: a static page on another port of loopback (another origin)."""
    (tmp_path / "index.html").write_text(PAGE)
    (tmp_path / "app.js").write_text(SCRIPT)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def text_of(driver: WebDriver, element_id: str, expected: str) -> str:
    def found(d: WebDriver) -> str | bool:
        error = d.find_element(By.ID, "error").text
        assert not error, f"the page failed: {error}"
        text = str(d.find_element(By.ID, element_id).text)
        return text if expected in text else False

    return str(WebDriverWait(driver, WAIT).until(found))


def test_a_page_on_another_origin_reads_lists_profiles_and_live_changes(
    live_server_process: LiveServer, browser: WebDriver, other_origin: str
) -> None:
    ana = make_trainer(first_name="Ana", last_name="Abel")
    browser.get(f"{other_origin}/index.html?api={live_server_process.url}")

    assert text_of(browser, "list", "200") == "200 Ana"
    status, name, etag, revalidated = text_of(browser, "profile", "Ana").split(" ")
    assert (status, name, revalidated) == ("200", "Ana", "304")
    assert etag.startswith('"')
    text_of(browser, "feed", "ready")

    trainer_update_profile(TrainerUpdateProfile(ana.id, bio="Live from the other origin."))

    change = text_of(browser, "change", str(ana.id))
    assert '"kind": "upsert"' in change or '"kind":"upsert"' in change
