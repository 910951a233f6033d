"""The public directory in a real headless Chromium against a real server: search as you
type, "more" in place, live changes without a reload, the same pages without script, and
axe-core finding no serious or critical accessibility violation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import WAIT
from tests.factories import (
    make_branch,
    make_certification,
    make_class,
    make_specialty,
    make_trainer,
)
from tests.server import LiveServer
from trainers.commands import TrainerPublish, TrainerUpdateProfile
from trainers.handlers.status import trainer_change_status
from trainers.handlers.trainer import trainer_update_profile
from trainers.models import Status, Trainer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(180),
    pytest.mark.django_db(transaction=True),
]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def wait(driver: WebDriver, condition: Callable[[WebDriver], Any]) -> Any:
    return WebDriverWait(driver, WAIT).until(condition)


def card_names(driver: WebDriver) -> list[str]:
    """The names on the cards, read in one step (the script replaces the cards)."""
    names: list[str] = driver.execute_script(
        "return Array.from(document.querySelectorAll('.cards h2 a'), (a) => a.textContent)"
    )
    return names


def listening(driver: WebDriver) -> None:
    """Wait until the page's change feed is connected (site.js marks it)."""
    wait(driver, lambda d: d.find_element(By.ID, "main").get_attribute("data-listening") == "ready")


@pytest.fixture
def staff() -> dict[str, Trainer]:
    branch = make_branch(slug="harbour", name="Harbour", city="Faro")
    yoga = make_specialty(slug="yoga", name="Yoga")
    ana = make_trainer(
        first_name="Ana", last_name="Quintela", slug="ana-quintela", branch=branch,
        bio="Yoga for stiff backs.", specialties=[yoga],
    )  # fmt: skip
    make_certification(ana, name="RYT 200")
    make_class(ana, title="Morning flow", weekday=1, start_time=time(7, 0))
    bruno = make_trainer(first_name="Bruno", last_name="Abreu", slug="bruno-abreu", branch=branch)
    return {"ana": ana, "bruno": bruno}


def test_typing_a_last_name_shows_that_trainer(
    live_server_process: LiveServer, browser: WebDriver, staff: dict[str, Trainer]
) -> None:
    browser.get(live_server_process.url + "/")
    assert card_names(browser) == ["Bruno Abreu", "Ana Quintela"]
    box = browser.find_element(By.ID, "q")
    box.send_keys("Quin")  # no Enter: the list follows the typing
    wait(browser, lambda d: card_names(d) == ["Ana Quintela"])
    assert browser.current_url.endswith("/?q=Quin")
    assert browser.find_element(By.ID, "status").text == "1 trainer shown."
    box.send_keys(Keys.CONTROL, "a", Keys.DELETE)
    wait(browser, lambda d: len(card_names(d)) == 2)
    # A filter applies at once too; the profile opens from the card.
    browser.find_element(By.CSS_SELECTOR, '#specialty option[value="yoga"]').click()
    wait(browser, lambda d: card_names(d) == ["Ana Quintela"])
    browser.find_element(By.LINK_TEXT, "Ana Quintela").click()
    wait(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Ana Quintela")
    assert "Morning flow" in browser.page_source


def test_more_appends_the_next_page_in_place(
    live_server_process: LiveServer, browser: WebDriver
) -> None:
    branch = make_branch(slug="north", name="North", city="Braga")
    for n in range(26):
        make_trainer(first_name="Zed", last_name=f"Many{n:02d}", branch=branch)
    browser.get(live_server_process.url + "/")
    assert len(card_names(browser)) == 20
    browser.execute_script("window.stayed = true")
    browser.find_element(By.LINK_TEXT, "More trainers").click()
    wait(browser, lambda d: len(card_names(d)) == 26)
    assert browser.execute_script("return window.stayed") is True  # no navigation
    assert not browser.find_elements(By.LINK_TEXT, "More trainers")
    assert browser.find_element(By.ID, "status").text == "26 trainers shown."
    # Focus moves to the first new card, for keyboard users.
    assert browser.switch_to.active_element.text == "Zed Many20"


def test_a_change_shows_on_open_pages_without_a_reload(
    live_server_process: LiveServer, browser: WebDriver, staff: dict[str, Trainer]
) -> None:
    ana = staff["ana"]
    browser.get(f"{live_server_process.url}/trainers/{ana.slug}")
    listening(browser)
    browser.execute_script("window.stayed = true")
    trainer_update_profile(TrainerUpdateProfile(ana.id, bio="Now teaching ashtanga."))
    wait(browser, lambda d: "Now teaching ashtanga." in d.find_element(By.ID, "main").text)
    assert browser.execute_script("return window.stayed") is True

    # The directory: a trainer published elsewhere appears in the open list.
    draft = make_trainer(
        first_name="Carla", last_name="Nova", status=Status.DRAFT, branch=ana.branch
    )
    browser.get(live_server_process.url + "/")
    listening(browser)
    browser.execute_script("window.stayed = true")
    assert "Carla Nova" not in card_names(browser)
    trainer_change_status(TrainerPublish(draft.id))
    wait(browser, lambda d: "Carla Nova" in card_names(d))
    assert browser.execute_script("return window.stayed") is True


def test_without_script_the_directory_still_lists_and_searches(
    live_server_process: LiveServer, browser_without_script: WebDriver, staff: dict[str, Trainer]
) -> None:
    browser = browser_without_script
    browser.get(live_server_process.url + "/")
    assert card_names(browser) == ["Bruno Abreu", "Ana Quintela"]
    box = browser.find_element(By.ID, "q")
    box.send_keys("Abreu", Keys.ENTER)  # the form's GET
    wait(browser, lambda d: "q=Abreu" in d.current_url)
    assert card_names(browser) == ["Bruno Abreu"]
    browser.find_element(By.LINK_TEXT, "Bruno Abreu").click()
    wait(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Bruno Abreu")


def axe_violations(driver: WebDriver) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page now open."""
    driver.execute_script(AXE.read_text())
    result: dict[str, Any] = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then((r) => done(r), (e) => done({error: String(e)}));"
    )
    assert "error" not in result, result
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", [1280, 390])
def test_axe_finds_no_serious_violation(
    live_server_process: LiveServer, browser: WebDriver, staff: dict[str, Trainer], width: int
) -> None:
    browser.set_window_size(width, 1000)
    for path in ("/", "/trainers/ana-quintela", "/timetable", "/trainers/nobody", "/?q=zzzz"):
        browser.get(live_server_process.url + path)
        assert axe_violations(browser) == [], path
