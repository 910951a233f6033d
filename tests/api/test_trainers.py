"""Trainer endpoints: register, read, change the profile, specialties, status, delete."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from rest_framework.test import APIClient

from tests.api.conftest import make_user, token_client, trainer_payload
from trainers import errors
from trainers.models import Branch, Event, Specialty, Status, Trainer


class TestTrainerRegister:
    def test_creates_a_draft_with_etag_location_and_an_event(
        self, api: APIClient, editor: User, branch: Branch, specialty: Specialty
    ) -> None:
        payload = trainer_payload(specialties=["yoga"])
        response = api.post("/api/trainers/", payload, format="json")

        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["status"] == "draft"
        assert body["version"] == 1
        assert response["ETag"] == '"1"'
        assert response["Location"] == f"/api/trainers/{body['id']}/"
        for field in ("email", "phone", "date_of_birth", "internal_notes", "bio", "shift"):
            assert body[field] == payload[field]
        assert body["branch"] == "downtown"
        assert body["specialties"] == ["yoga"]
        assert body["certifications"] == []
        assert body["slug"].startswith("marta-costa")
        event = Event.objects.get(aggregate_id=body["id"])
        assert (event.command, event.version, event.actor_id) == ("TrainerRegister", 1, editor.pk)
        assert event.actor_name == "editor"

    def test_optional_fields_may_be_left_out(self, api: APIClient, branch: Branch) -> None:
        payload = {
            "first_name": "Rui",
            "last_name": "Lopes",
            "email": "rui@gym.example.com",
            "hired_on": "2021-03-01",
            "branch": "downtown",
        }
        response = api.post("/api/trainers/", payload, format="json")
        assert response.status_code == 201
        assert response.json()["position"] == "trainer"
        assert response.json()["date_of_birth"] is None

    def test_unknown_branch_is_a_field_error(self, api: APIClient, branch: Branch) -> None:
        response = api.post("/api/trainers/", trainer_payload(branch="nowhere"), "json")
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {
                "field": "branch",
                "message": errors.UNKNOWN_REFERENCE.format(entity="branch", key="nowhere"),
            }
        ]
        assert not Trainer.objects.exists()

    def test_duplicate_email_is_a_conflict(
        self, api: APIClient, branch: Branch, trainer: Trainer
    ) -> None:
        response = api.post("/api/trainers/", trainer_payload(email=trainer.email), "json")
        assert response.status_code == 409
        assert response.json()["errors"][0]["field"] == "email"

    def test_born_after_hired_is_refused(self, api: APIClient, branch: Branch) -> None:
        payload = trainer_payload(date_of_birth="1990-01-01", hired_on="1989-01-01")
        response = api.post("/api/trainers/", payload, format="json")
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {"field": "date_of_birth", "message": errors.BORN_BEFORE_HIRED}
        ]

    @pytest.mark.parametrize(
        ("date_of_birth", "message"),
        [
            ("2031-05-01", errors.BORN_IN_FUTURE),
            ("2019-05-01", errors.TOO_YOUNG.format(years=16)),
            ("1901-05-01", errors.TOO_OLD.format(years=100)),
        ],
    )
    def test_an_implausible_date_of_birth_is_refused_beside_it(
        self, api: APIClient, branch: Branch, date_of_birth: str, message: str
    ) -> None:
        payload = trainer_payload(date_of_birth=date_of_birth, hired_on="2020-01-15")
        response = api.post("/api/trainers/", payload, format="json")
        assert response.status_code == 400
        assert response.json()["errors"] == [{"field": "date_of_birth", "message": message}]
        assert not Trainer.objects.exists()


class TestTrainerRead:
    def test_staff_read_carries_private_fields_and_etag(
        self, api: APIClient, trainer: Trainer
    ) -> None:
        response = api.get(f"/api/trainers/{trainer.pk}/")
        assert response.status_code == 200
        assert response["ETag"] == '"1"'
        assert response.json()["email"] == trainer.email

    def test_unknown_trainer_is_404(self, api: APIClient, db: None) -> None:
        response = api.get("/api/trainers/00000000-0000-0000-0000-000000000000/")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "not_found"


class TestTrainerUpdateProfile:
    def test_changes_only_the_fields_sent(
        self, api: APIClient, editor: User, trainer: Trainer
    ) -> None:
        response = api.patch(
            f"/api/trainers/{trainer.pk}/", {"bio": "New bio", "shift": "night"}, format="json"
        )
        assert response.status_code == 200, response.json()
        assert response.json()["version"] == 2
        assert response["ETag"] == '"2"'
        trainer.refresh_from_db()
        assert (trainer.bio, trainer.shift, trainer.first_name) == ("New bio", "night", "Ana")
        event = Event.objects.filter(aggregate_id=str(trainer.pk)).last()
        assert event is not None
        assert (event.command, event.actor_id) == ("TrainerUpdateProfile", editor.pk)
        assert event.payload["bio"] == "New bio"

    def test_null_clears_the_date_of_birth(self, api: APIClient, trainer: Trainer) -> None:
        response = api.patch(f"/api/trainers/{trainer.pk}/", {"date_of_birth": None}, format="json")
        assert response.status_code == 200
        trainer.refresh_from_db()
        assert trainer.date_of_birth is None

    @pytest.mark.parametrize("if_match", ['"1"', ' "1" '])
    def test_matching_if_match_is_accepted(
        self, api: APIClient, trainer: Trainer, if_match: str
    ) -> None:
        response = api.patch(
            f"/api/trainers/{trainer.pk}/", {"bio": "x"}, format="json", HTTP_IF_MATCH=if_match
        )
        assert response.status_code == 200

    def test_stale_if_match_is_412_and_changes_nothing(
        self, api: APIClient, trainer: Trainer
    ) -> None:
        url = f"/api/trainers/{trainer.pk}/"
        first = api.patch(url, {"bio": "first"}, format="json", HTTP_IF_MATCH='"1"')
        assert first.status_code == 200
        events = Event.objects.count()

        response = api.patch(url, {"bio": "second"}, format="json", HTTP_IF_MATCH='"1"')

        assert response.status_code == 412
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["code"] == "version_conflict"
        assert "version 2, you sent 1" in body["detail"]
        trainer.refresh_from_db()
        assert (trainer.bio, trainer.version) == ("first", 2)
        assert Event.objects.count() == events

    @pytest.mark.parametrize(
        "if_match",
        ['"abc"', '"1", "2"', "W/", '""', "1", '"01"', '"+1"', '" 1"', '"1', '1"', '"1"x'],
    )
    def test_malformed_if_match_is_400_and_never_matches(
        self, api: APIClient, trainer: Trainer, if_match: str
    ) -> None:
        response = api.patch(
            f"/api/trainers/{trainer.pk}/", {"bio": "x"}, format="json", HTTP_IF_MATCH=if_match
        )
        assert response.status_code == 400, if_match
        assert response["Content-Type"] == "application/problem+json"
        assert "If-Match" in response.json()["detail"]
        trainer.refresh_from_db()
        assert trainer.version == 1

    def test_a_leading_zero_is_not_the_same_version(self, api: APIClient, trainer: Trainer) -> None:
        for _ in range(5):
            api.patch(f"/api/trainers/{trainer.pk}/", {"bio": "y"}, format="json")
        trainer.refresh_from_db()
        assert trainer.version == 6
        url = f"/api/trainers/{trainer.pk}/"
        response = api.patch(url, {"bio": "x"}, format="json", HTTP_IF_MATCH='"06"')
        assert response.status_code == 400
        trainer.refresh_from_db()
        assert trainer.version == 6

    def test_a_weak_tag_never_matches(self, api: APIClient, trainer: Trainer) -> None:
        url = f"/api/trainers/{trainer.pk}/"
        response = api.patch(url, {"bio": "x"}, format="json", HTTP_IF_MATCH='W/"1"')
        assert response.status_code == 412
        assert "strong comparison" in response.json()["detail"]
        trainer.refresh_from_db()
        assert trainer.version == 1

    def test_without_if_match_the_last_write_wins(self, api: APIClient, trainer: Trainer) -> None:
        url = f"/api/trainers/{trainer.pk}/"
        api.patch(url, {"bio": "one"}, format="json")
        response = api.patch(url, {"bio": "two"}, format="json", HTTP_IF_MATCH="*")
        assert response.status_code == 200
        assert response.json()["version"] == 3

    def test_empty_change_is_refused(self, api: APIClient, trainer: Trainer) -> None:
        response = api.patch(f"/api/trainers/{trainer.pk}/", {}, format="json")
        assert response.status_code == 400
        trainer.refresh_from_db()
        assert trainer.version == 1

    def test_specialties_are_not_a_profile_field(self, api: APIClient, trainer: Trainer) -> None:
        response = api.patch(f"/api/trainers/{trainer.pk}/", {"specialties": []}, format="json")
        assert response.status_code == 400
        assert response.json()["errors"] == [{"field": "specialties", "message": "Unknown field."}]


class TestTrainerSpecialties:
    def test_replaces_the_set(self, api: APIClient, trainer: Trainer, specialty: Specialty) -> None:
        url = f"/api/trainers/{trainer.pk}/specialties/"
        response = api.put(url, {"specialties": ["yoga"]}, format="json", HTTP_IF_MATCH='"1"')
        assert response.status_code == 200, response.json()
        assert response.json()["specialties"] == ["yoga"]
        assert response["ETag"] == '"2"'
        response = api.put(url, {"specialties": []}, format="json")
        assert response.json()["specialties"] == []
        assert list(trainer.specialties.all()) == []

    def test_unknown_specialty_changes_nothing(self, api: APIClient, trainer: Trainer) -> None:
        url = f"/api/trainers/{trainer.pk}/specialties/"
        response = api.put(url, {"specialties": ["juggling"]}, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "specialties"
        trainer.refresh_from_db()
        assert trainer.version == 1


class TestTrainerStatus:
    def test_publish_leave_unpublish_retire(
        self, api: APIClient, editor: User, trainer: Trainer
    ) -> None:
        url = f"/api/trainers/{trainer.pk}"
        steps = [
            ("publish", Status.PUBLISHED),
            ("leave", Status.ON_LEAVE),
            ("publish", Status.PUBLISHED),
            ("unpublish", Status.DRAFT),
            ("retire", Status.RETIRED),
        ]
        for version, (action, status) in enumerate(steps, start=2):
            response = api.post(f"{url}/{action}/", HTTP_IF_MATCH=f'"{version - 1}"')
            assert response.status_code == 200, (action, response.json())
            assert response.json()["status"] == status
            assert response["ETag"] == f'"{version}"'
        commands = list(
            Event.objects.filter(aggregate_id=str(trainer.pk), actor=editor).values_list(
                "command", flat=True
            )
        )
        assert commands == [
            "TrainerPublish",
            "TrainerPutOnLeave",
            "TrainerPublish",
            "TrainerUnpublish",
            "TrainerRetire",
        ]

    def test_forbidden_transition_is_409(self, api: APIClient, trainer: Trainer) -> None:
        response = api.post(f"/api/trainers/{trainer.pk}/leave/")
        assert response.status_code == 409
        body = response.json()
        assert body["code"] == "rule_violation"
        assert body["detail"] == errors.TRANSITION_NOT_ALLOWED.format(
            current="draft", action="put on leave"
        )
        assert body["errors"] == [{"field": "status", "message": body["detail"]}]

    def test_stale_if_match_is_412(self, api: APIClient, trainer: Trainer) -> None:
        response = api.post(f"/api/trainers/{trainer.pk}/publish/", HTTP_IF_MATCH='"7"')
        assert response.status_code == 412
        trainer.refresh_from_db()
        assert trainer.status == Status.DRAFT


class TestTrainerDelete:
    def test_deletes_and_records_the_event(
        self, api: APIClient, editor: User, trainer: Trainer
    ) -> None:
        response = api.delete(f"/api/trainers/{trainer.pk}/", HTTP_IF_MATCH='"1"')
        assert response.status_code == 204
        assert not Trainer.objects.filter(pk=trainer.pk).exists()
        event = Event.objects.get(aggregate_id=str(trainer.pk), command="TrainerDelete")
        assert event.actor_id == editor.pk
        assert api.delete(f"/api/trainers/{trainer.pk}/").status_code == 404

    def test_stale_if_match_keeps_the_trainer(self, api: APIClient, trainer: Trainer) -> None:
        response = api.delete(f"/api/trainers/{trainer.pk}/", HTTP_IF_MATCH='"2"')
        assert response.status_code == 412
        assert Trainer.objects.filter(pk=trainer.pk).exists()


class TestTrainerRestore:
    def test_restores_the_profile_at_a_version_with_if_match(
        self, api: APIClient, trainer: Trainer
    ) -> None:
        url = f"/api/trainers/{trainer.pk}/"
        api.patch(url, {"bio": "Changed."}, format="json", headers={"If-Match": '"1"'})

        response = api.post(
            f"{url}restore/", {"version": 1}, format="json", headers={"If-Match": '"2"'}
        )

        assert response.status_code == 200, response.json()
        assert (response.json()["bio"], response["ETag"]) == ("", '"3"')
        event = Event.objects.filter(aggregate_id=str(trainer.pk)).latest("id")
        assert (event.command, event.changes) == (
            "TrainerRestore",
            {"bio": {"old": "Changed.", "new": ""}},
        )

    @pytest.mark.parametrize(
        ("body", "if_match", "status", "field"),
        [
            ({"version": 1}, '"1"', 412, None),
            ({"version": 0}, None, 400, "version"),
            ({"version": 9}, None, 400, "version"),
            ({"version": "x"}, None, 400, "version"),
            ({"version": 1, "extra": 1}, None, 400, "extra"),
            ({}, None, 400, "version"),
            ({"version": 2}, None, 409, "version"),
        ],
    )
    def test_bad_requests_are_problems_and_change_nothing(
        self,
        api: APIClient,
        trainer: Trainer,
        body: dict[str, object],
        if_match: str | None,
        status: int,
        field: str | None,
    ) -> None:
        url = f"/api/trainers/{trainer.pk}/"
        api.patch(url, {"bio": "Changed."}, format="json")
        headers = {"If-Match": if_match} if if_match else {}
        response = api.post(f"{url}restore/", body, format="json", headers=headers)
        assert response.status_code == status
        assert response["Content-Type"] == "application/problem+json"
        if field:
            assert field in {e["field"] for e in response.json()["errors"]}
        assert Trainer.objects.get().bio == "Changed."

    def test_view_only_staff_may_not_restore(self, trainer: Trainer) -> None:
        viewer = token_client(make_user("view_trainer", username="viewer"))
        response = viewer.post(
            f"/api/trainers/{trainer.pk}/restore/", {"version": 1}, format="json"
        )
        assert response.status_code == 403
