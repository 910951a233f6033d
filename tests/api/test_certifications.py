"""Certifications: part of the trainer aggregate, so each change bumps the trainer's version."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from rest_framework.test import APIClient

from trainers import errors
from trainers.models import Certification, Event, Trainer

CPR = {"name": "CPR", "issuer": "Red Cross", "issued_on": "2020-01-01", "expires_on": "2022-01-01"}


def add(api: APIClient, trainer: Trainer) -> dict[str, Any]:
    response = api.post(f"/api/trainers/{trainer.pk}/certifications/", CPR, format="json")
    assert response.status_code == 201, response.json()
    return dict(response.json())


def test_add_returns_the_certification_and_the_trainers_version(
    api: APIClient, editor: User, trainer: Trainer
) -> None:
    response = api.post(
        f"/api/trainers/{trainer.pk}/certifications/", CPR, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 201
    body = response.json()
    assert body == {**CPR, "id": body["id"], "trainer": str(trainer.pk), "trainer_version": 2}
    assert response["ETag"] == '"2"'
    assert response["Location"] == f"/api/trainers/{trainer.pk}/certifications/{body['id']}/"
    event = Event.objects.filter(aggregate_id=str(trainer.pk)).last()
    assert event is not None
    assert (event.command, event.version, event.actor_id) == ("CertificationAdd", 2, editor.pk)
    trainer_view = api.get(f"/api/trainers/{trainer.pk}/").json()
    assert trainer_view["certifications"][0]["name"] == "CPR"


def test_expiry_before_issue_is_a_field_error(api: APIClient, trainer: Trainer) -> None:
    body = {**CPR, "expires_on": "2019-01-01"}
    response = api.post(f"/api/trainers/{trainer.pk}/certifications/", body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"field": "expires_on", "message": errors.CERTIFICATION_DATES}
    ]


def test_update_changes_fields_and_bumps_the_trainer(api: APIClient, trainer: Trainer) -> None:
    cert = add(api, trainer)
    url = f"/api/trainers/{trainer.pk}/certifications/{cert['id']}/"
    response = api.patch(url, {"expires_on": None}, format="json", HTTP_IF_MATCH='"2"')
    assert response.status_code == 200, response.json()
    assert response.json()["expires_on"] is None
    assert response.json()["trainer_version"] == 3
    assert response["ETag"] == '"3"'


def test_update_with_stale_version_is_412(api: APIClient, trainer: Trainer) -> None:
    cert = add(api, trainer)
    url = f"/api/trainers/{trainer.pk}/certifications/{cert['id']}/"
    response = api.patch(url, {"name": "BLS"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 412
    assert Certification.objects.get(pk=cert["id"]).name == "CPR"


def test_remove_is_204_with_the_trainers_new_version(api: APIClient, trainer: Trainer) -> None:
    cert = add(api, trainer)
    url = f"/api/trainers/{trainer.pk}/certifications/{cert['id']}/"
    response = api.delete(url)
    assert response.status_code == 204
    assert response["ETag"] == '"3"'
    assert not Certification.objects.exists()
    assert api.delete(url).status_code == 404


def test_a_certification_of_another_trainer_is_404(
    api: APIClient, trainer: Trainer, branch: object
) -> None:
    from tests.api.conftest import register

    cert = add(api, trainer)
    other = register(trainer.branch)
    url = f"/api/trainers/{other.pk}/certifications/{cert['id']}/"
    assert api.patch(url, {"name": "x"}, format="json").status_code == 404
    assert api.delete(url).status_code == 404
