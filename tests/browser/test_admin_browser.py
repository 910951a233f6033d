"""A person at the admin, in a real headless Chromium, against the real server.

Logs in, adds a trainer with a certification in the inline row, saves, then
publishes the trainer with the changelist action. Uploads a photo on the trainer's
page and finds it on the public profile, served forever from /media/. Then the staff
workflows of issue 16: an error beside its field, a status button, a bulk change
confirmed and undone, a conflict that keeps the second person's input, the history
with restore. With SCREENSHOTS=<folder>, the tests keep pictures of each page there.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from django.contrib.auth.models import User
from django.db import connections
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.browser.conftest import WAIT
from tests.images import phone_jpeg
from tests.server import LiveServer, start_server
from trainers import commands as c
from trainers import errors
from trainers.cqrs import Actor
from trainers.handlers import dispatch
from trainers.handlers.schedule import run_due
from trainers.models import Event, Status, Trainer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.timeout(180),
    # The server process reads the data through its own connection: it must be committed.
    pytest.mark.django_db(transaction=True),
]


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
    previous = browser.find_element(By.CSS_SELECTOR, ".messagelist .success")
    browser.find_element(By.CSS_SELECTOR, "button[name=index]").click()
    # The "added" message stays until the next page replaces it: wait for that page.
    WebDriverWait(browser, WAIT).until(ec.staleness_of(previous))
    assert "Publish 1 trainer?" in wait_for(browser, ".confirm-count")
    browser.find_element(By.CSS_SELECTOR, "input[name=apply]").click()

    assert wait_for(browser, ".messagelist .success") == "Published 1 trainer. Undo"
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


SHOTS = Path(os.environ.get("SCREENSHOTS", tempfile.gettempdir()))


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

    # "View on site" opens the public profile page, with the photo just uploaded.
    browser.get(f"{url}{change}")
    browser.find_element(By.CSS_SELECTOR, ".viewsitelink").click()
    WebDriverWait(browser, WAIT).until(ec.url_to_be(f"{url}/trainers/{trainer.slug}"))
    assert wait_for(browser, "h1") == "Ann Lee"

    profile = httpx.get(f"{url}/query/trainers/{trainer.pk}").json()
    assert profile["photo"]["alt"] == "Ann Lee"
    assert (profile["photo"]["width"], profile["photo"]["height"]) == (900, 1200)  # upright
    widths = [part.rsplit(" ", 1)[1] for part in profile["photo"]["srcset"].split(", ")]
    assert widths == ["160w", "320w", "640w", "900w"]
    served = httpx.get(url + profile["photo"]["url"])
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["content-type"] == "image/jpeg"

    # The public profile page shows it, the browser choosing a WebP from the srcset.
    browser.get(f"{url}/trainers/{trainer.slug}")
    wait_for_image(browser, "img.photo")
    image = browser.find_element(By.CSS_SELECTOR, "img.photo")
    assert image.get_attribute("srcset") == profile["photo"]["srcset"]
    assert image.get_attribute("alt") == "Ann Lee"
    chosen = browser.execute_script("return arguments[0].currentSrc;", image)
    assert chosen.endswith(".webp") and "/media/trainers/" in chosen
    shown = httpx.get(chosen)
    assert shown.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert shown.headers["content-type"] == "image/webp"
    browser.save_screenshot(str(SHOTS / "profile-photo.png"))


def shoot(driver: WebDriver, name: str) -> None:
    """With SCREENSHOTS set to a folder, keep a picture of the page (for people to look at)."""
    folder = os.environ.get("SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))


def test_staff_workflows_errors_status_bulk_conflict_history(
    live_server_process: LiveServer, browser: WebDriver, django_user_model: type[User]
) -> None:
    django_user_model.objects.create_superuser("boss", "boss@gym.test", "a-long-pass-42")
    dispatch(c.BranchCreate(slug="downtown", name="Downtown", city="Lisbon"))
    ann, bo, cy = (
        dispatch(c.TrainerRegister(first, last, f"{first}@gym.test", date(2021, 3, 1), "downtown"))
        for first, last in (("Ann", "Lee"), ("Bo", "Chan"), ("Cy", "Dee"))
    )
    dispatch(c.TrainerPublish(cy.pk))
    url = live_server_process.url
    change = f"{url}/admin/trainers/trainer/{ann.pk}/change/"
    browser.get(f"{url}/admin/login/?next=/admin/trainers/trainer/{ann.pk}/change/")
    fill(browser, "username", "boss")
    fill(browser, "password", "a-long-pass-42")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()

    # 1. An error beside its field, in plain words; nothing at the top of the form.
    wait_for(browser, "input[name=date_of_birth]")
    fill(browser, "date_of_birth", "2031-01-01")
    browser.find_element(By.NAME, "_save").click()
    assert wait_for(browser, ".field-date_of_birth .errorlist") == errors.BORN_IN_FUTURE
    assert "is violated" not in browser.page_source
    browser.execute_script(
        "document.querySelector('.field-date_of_birth').scrollIntoView({block: 'center'})"
    )
    shoot(browser, "01-error-beside-its-field")

    # 2. A status button: only the allowed ones; it runs its command.
    browser.get(change)
    shown = [b.text for b in browser.find_elements(By.CSS_SELECTOR, ".status-button")]
    assert shown == ["Publish", "Retire"]
    browser.execute_script(
        "document.querySelector('.field-status_controls').scrollIntoView({block: 'center'})"
    )
    shoot(browser, "02-status-buttons")
    browser.find_element(By.CSS_SELECTOR, ".status-button[value=TrainerPublish]").click()
    assert wait_for(browser, ".messagelist .success") == "Ann Lee is now published."
    assert wait_for(browser, ".field-status_controls .status-badge") == "Published"

    # 3. A bulk change asks first, then offers Undo.
    browser.get(f"{url}/admin/trainers/trainer/")
    shoot(browser, "03-list-badges-public")
    for trainer in (bo, cy):
        browser.find_element(
            By.CSS_SELECTOR, f"input[name=_selected_action][value='{trainer.pk}']"
        ).click()
    Select(browser.find_element(By.NAME, "action")).select_by_value("retire")
    browser.find_element(By.CSS_SELECTOR, "button[name=index]").click()
    assert "Retire 2 trainers?" in wait_for(browser, ".confirm-count")
    shoot(browser, "04-bulk-confirmation")
    assert not Trainer.objects.filter(status=Status.RETIRED).exists()
    browser.find_element(By.CSS_SELECTOR, "input[name=apply]").click()
    assert wait_for(browser, ".messagelist .success").startswith("Retired 2 trainers.")
    shoot(browser, "05-bulk-done-with-undo")
    done = browser.find_element(By.CSS_SELECTOR, ".messagelist .success")
    browser.find_element(By.CSS_SELECTOR, ".undo-form button").click()
    # The page with the Undo button is still there until the next one loads.
    WebDriverWait(browser, WAIT).until(ec.staleness_of(done))
    assert wait_for(browser, ".messagelist .success") == (
        "Put 2 trainers back to their previous status."
    )
    statuses = dict(Trainer.objects.values_list("first_name", "status"))
    assert statuses == {"Ann": "published", "Bo": "draft", "Cy": "published"}

    # 4. A conflict keeps the second person's input; one click applies it on top.
    browser.get(change)
    wait_for(browser, "textarea[name=bio]")
    dispatch(c.TrainerUpdateProfile(ann.pk, phone="+351 900 000 001"), actor=Actor(None, "maria"))
    fill(browser, "bio", "Mine, typed while Maria saved.")
    browser.find_element(By.NAME, "_save").click()
    assert "maria saved this trainer" in wait_for(browser, ".conflict h2")
    assert "Please correct" not in browser.page_source
    assert browser.find_element(By.NAME, "bio").get_attribute("value") == (
        "Mine, typed while Maria saved."
    )
    shoot(browser, "06-conflict-keeps-your-input")
    browser.find_element(By.CSS_SELECTOR, ".apply-on-top").click()
    assert "was changed successfully" in wait_for(browser, ".messagelist .success")
    ann.refresh_from_db()
    assert (ann.phone, ann.bio) == ("+351 900 000 001", "Mine, typed while Maria saved.")

    # 5. The history, readable, with Restore this version.
    browser.get(f"{url}/admin/trainers/trainer/{ann.pk}/history/")
    assert wait_for(browser, ".timeline .what").startswith("Changed the profile")
    shoot(browser, "07-history-timeline")
    registered = browser.find_elements(By.CSS_SELECTOR, ".restore-button")[-1]  # version 1
    registered.click()
    assert "as it was at version 1" in wait_for(browser, ".messagelist .success")
    ann.refresh_from_db()
    assert (ann.phone, ann.bio, ann.status) == ("", "", Status.PUBLISHED)

    # 6. An import: the dry-run preview names each bad row and field; nothing is imported.
    browser.get(f"{url}/admin/trainers/trainer/")
    browser.find_element(By.CSS_SELECTOR, ".import-link").click()
    fill(
        browser,
        "text",
        "first_name,last_name,hired_on,email,branch\n"
        "Dee,Ray,2022-01-10,dee@gym.test,downtown\n"
        "Eve,Sun,next week,eve@gym.test,uptown\n",
    )
    browser.find_element(By.NAME, "preview").click()
    assert "nothing is imported" in wait_for(browser, ".import-summary")
    cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, ".import-errors td")]
    assert cells == ["2", "hired_on", "Enter a date as YYYY-MM-DD."]
    shoot(browser, "08-import-preview")
    assert not Trainer.objects.filter(email="dee@gym.test").exists()

    # 7. The dashboard, and a draft's public profile before publishing.
    browser.get(f"{url}/admin/")
    assert "Drafts (not public yet)" in wait_for(browser, ".attention")
    shoot(browser, "09-dashboard")
    browser.get(f"{url}/admin/trainers/trainer/{bo.pk}/change/")
    browser.find_element(By.CSS_SELECTOR, ".preview-link").click()
    assert wait_for(browser, ".public-preview h2") == "Bo Chan"
    shoot(browser, "10-draft-preview")
    bo.refresh_from_db()
    assert bo.status == Status.DRAFT

    # 8. A scheduled change that is no longer allowed when due: failed, with its reason.
    due = datetime.now(UTC) - timedelta(minutes=1)
    dispatch(c.StatusChangeSchedule(bo.pk, "leave", due), actor=Actor(None, "boss"))
    run_due()
    browser.get(f"{url}/admin/trainers/scheduledchange/")
    assert "A draft trainer cannot be put on leave." in wait_for(browser, "#result_list")
    shoot(browser, "11-scheduled-change-failed")
