"""A person at the admin, in a real headless Chromium, against the real server.

Logs in, adds a trainer with a certification in the inline row, saves, then
publishes the trainer with the changelist action. Uploads a photo on the trainer's
page and finds it on the public profile, served forever from /media/.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest
from django.contrib.auth.models import User
from django.db import connections
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.images import phone_jpeg
from tests.server import LiveServer, start_server
from trainers import commands as c
from trainers.handlers import dispatch
from trainers.models import Event, Status, Trainer

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT = 15  # seconds, for any one page or element

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(180),
    # The server process reads the data through its own connection: it must be committed.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs chromium and chromium-driver")
        pytest.skip("needs Debian's chromium and chromium-driver (apt-get install ...)")
    profile = tempfile.mkdtemp(prefix="trainers-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1600",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    # An explicit driver path: Selenium Manager (which would download one) never runs.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.set_page_load_timeout(WAIT * 2)
        driver.set_script_timeout(WAIT)
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def fill(driver: WebDriver, name: str, value: str) -> None:
    field = driver.find_element(By.NAME, name)
    field.clear()
    field.send_keys(value)


def wait_for(driver: WebDriver, css: str) -> str:
    element = WebDriverWait(driver, WAIT).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, css))
    )
    return str(element.text)


def test_staff_adds_a_trainer_with_a_certification_then_publishes_it(
    live_server_process: LiveServer, browser: WebDriver, django_user_model: type[User]
) -> None:
    boss = django_user_model.objects.create_superuser("boss", "boss@gym.test", "a-long-pass-42")
    dispatch(c.BranchCreate(slug="downtown", name="Downtown", city="Lisbon"))
    url = live_server_process.url

    browser.get(f"{url}/admin/login/?next=/admin/trainers/trainer/add/")
    fill(browser, "username", "boss")
    fill(browser, "password", "a-long-pass-42")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait_for(browser, "input[name=first_name]")

    fill(browser, "first_name", "Ann")
    fill(browser, "last_name", "Lee")
    fill(browser, "email", "ann.lee@gym.test")
    fill(browser, "hired_on", "2021-03-01")
    Select(browser.find_element(By.NAME, "branch")).select_by_visible_text("Downtown")
    Select(browser.find_element(By.NAME, "shift")).select_by_visible_text("Evening")
    fill(browser, "certifications-0-name", "First aid")
    fill(browser, "certifications-0-issuer", "Red Cross")
    fill(browser, "certifications-0-issued_on", "2020-06-01")
    browser.find_element(By.NAME, "_save").click()

    added = wait_for(browser, ".messagelist .success")
    assert "Ann Lee" in added and "was added successfully" in added, browser.page_source[:3000]
    trainer = Trainer.objects.get(email="ann.lee@gym.test")
    assert trainer.certifications.get().name == "First aid"

    browser.find_element(
        By.CSS_SELECTOR, f"input[name=_selected_action][value='{trainer.pk}']"
    ).click()
    Select(browser.find_element(By.NAME, "action")).select_by_value("publish")
    browser.find_element(By.CSS_SELECTOR, "button[name=index]").click()

    assert wait_for(browser, ".messagelist .success") == "Published 1 trainer."
    row = browser.find_element(By.CSS_SELECTOR, "#result_list tbody tr").text
    assert "Published" in row
    trainer.refresh_from_db()
    assert (trainer.status, trainer.version) == (Status.PUBLISHED, 3)
    recorded = Event.objects.filter(aggregate_type="trainer", aggregate_id=str(trainer.pk))
    assert [(e.command, e.version, e.actor_id) for e in recorded] == [
        ("TrainerRegister", 1, boss.pk),
        ("CertificationAdd", 2, boss.pk),
        ("TrainerPublish", 3, boss.pk),
    ]


SHOTS = Path(os.environ.get("SCREENSHOTS_DIR", tempfile.gettempdir()))


def wait_for_image(driver: WebDriver, css: str) -> None:
    """Until the page (the one now loaded, looked up afresh) shows the image, decoded."""
    script = "const i = document.querySelector(arguments[0]); return !!i && i.naturalWidth > 0;"
    WebDriverWait(driver, WAIT).until(lambda d: d.execute_script(script, css))


@pytest.fixture
def media_server(tmp_path: Path) -> Iterator[LiveServer]:
    """The real server with its photo storage in this test's folder."""
    server = start_server(
        connections["default"].settings_dict, env={"MEDIA_ROOT": str(tmp_path / "media")}
    )
    try:
        yield server
    finally:
        server.stop()


def test_staff_uploads_a_photo_that_the_public_profile_shows(
    media_server: LiveServer, browser: WebDriver, django_user_model: type[User], tmp_path: Path
) -> None:
    django_user_model.objects.create_superuser("boss", "boss@gym.test", "a-long-pass-42")
    dispatch(c.BranchCreate(slug="downtown", name="Downtown", city="Lisbon"))
    trainer = dispatch(
        c.TrainerRegister("Ann", "Lee", "ann@gym.test", date(2021, 3, 1), "downtown")
    )
    dispatch(c.TrainerPublish(trainer.pk))
    portrait = tmp_path / "portrait.jpg"
    portrait.write_bytes(phone_jpeg(1200, 900))
    url = media_server.url
    change = f"/admin/trainers/trainer/{trainer.pk}/change/"

    browser.get(f"{url}/admin/login/?next={change}")
    fill(browser, "username", "boss")
    fill(browser, "password", "a-long-pass-42")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait_for(browser, "input[name=upload_photo]")
    browser.find_element(By.NAME, "upload_photo").send_keys(str(portrait))
    browser.find_element(By.NAME, "_continue").click()

    assert "was changed successfully" in wait_for(browser, ".messagelist .success")
    wait_for_image(browser, ".field-photo_preview img")
    browser.save_screenshot(str(SHOTS / "admin-photo-preview.png"))
    browser.get(f"{url}/admin/trainers/trainer/")
    wait_for_image(browser, "#result_list .field-thumbnail img")
    browser.save_screenshot(str(SHOTS / "admin-photo-list.png"))

    profile = httpx.get(f"{url}/query/trainers/{trainer.pk}").json()
    assert profile["photo"]["alt"] == "Ann Lee"
    assert (profile["photo"]["width"], profile["photo"]["height"]) == (900, 1200)  # upright
    widths = [part.rsplit(" ", 1)[1] for part in profile["photo"]["srcset"].split(", ")]
    assert widths == ["160w", "320w", "640w", "900w"]
    served = httpx.get(url + profile["photo"]["url"])
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["content-type"] == "image/jpeg"
