"""A person at the admin, in a real headless Chromium, against the real server.

Logs in, adds a trainer with a certification in the inline row, saves, then
publishes the trainer with the changelist action.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.browser.conftest import WAIT
from tests.server import LiveServer
from trainers import commands as c
from trainers.handlers import dispatch
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
