"""Token and session authentication, CSRF, and model permissions."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.api.conftest import PASSWORD, make_user, token_client, trainer_payload
from trainers.models import Branch, Event, Trainer


class TestAuthToken:
    def test_password_gives_a_token_that_authenticates(self, editor: User, branch: Branch) -> None:
        client = APIClient()
        response = client.post(
            "/api/auth/token/", {"username": "editor", "password": PASSWORD}, format="json"
        )
        assert response.status_code == 200
        token = response.json()["token"]
        assert token == Token.objects.get(user=editor).key

        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        response = client.post("/api/trainers/", trainer_payload(), format="json")
        assert response.status_code == 201

    def test_bad_credentials_are_400_problem_details(self, editor: User) -> None:
        response = APIClient().post(
            "/api/auth/token/", {"username": "editor", "password": "wrong"}, format="json"
        )
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        body = response.json()
        assert body["detail"] == "Unable to log in with provided credentials."
        assert body["errors"][0]["field"] == "non_field_errors"

    def test_missing_fields_are_field_errors(self, db: None) -> None:
        response = APIClient().post("/api/auth/token/", {}, format="json")
        assert response.status_code == 400
        fields = {e["field"] for e in response.json()["errors"]}
        assert fields == {"username", "password"}

    def test_delete_revokes_the_callers_token(self, editor: User) -> None:
        client = token_client(editor)
        assert client.delete("/api/auth/token/").status_code == 204
        assert not Token.objects.filter(user=editor).exists()
        response = client.get("/api/branches/downtown/")
        assert response.status_code == 401
        assert response.json()["detail"] == "Invalid token."

    def test_revoking_needs_authentication(self, db: None) -> None:
        response = APIClient().delete("/api/auth/token/")
        assert response.status_code == 401

    def test_obtaining_is_throttled(self, editor: User, monkeypatch: pytest.MonkeyPatch) -> None:
        from rest_framework.throttling import ScopedRateThrottle

        monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"auth": "2/minute"})
        client = APIClient()
        body = {"username": "editor", "password": "wrong"}
        for _ in range(2):
            assert client.post("/api/auth/token/", body, format="json").status_code == 400
        response = client.post("/api/auth/token/", body, format="json")
        assert response.status_code == 429
        assert response.json()["code"] == "throttled"
        assert int(response["Retry-After"]) > 0


class TestTokenExpiry:
    @staticmethod
    def age(token: Token, hours: float) -> None:
        Token.objects.filter(pk=token.pk).update(created=timezone.now() - timedelta(hours=hours))

    def test_a_token_older_than_the_maximum_age_is_refused(
        self, editor: User, branch: Branch, settings: Any
    ) -> None:
        settings.API_TOKEN_MAX_AGE_HOURS = 2
        client = token_client(editor)
        token = Token.objects.get(user=editor)
        self.age(token, 1.9)
        assert client.get("/api/branches/downtown/").status_code == 200
        self.age(token, 2.1)
        response = client.get("/api/branches/downtown/")
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        assert "expired" in response.json()["detail"]
        assert response["WWW-Authenticate"] == "Token"

    def test_the_ops_api_refuses_an_expired_token_too(self, admin_user: User) -> None:
        token = Token.objects.create(user=admin_user)
        self.age(token, 24.1)
        response = APIClient().get(
            "/ops/read-model/status", HTTP_AUTHORIZATION=f"Token {token.key}"
        )
        assert response.status_code == 401

    def test_posting_the_password_again_refreshes_an_expired_token(
        self, editor: User, branch: Branch
    ) -> None:
        client = APIClient()
        body = {"username": "editor", "password": PASSWORD}
        first = client.post("/api/auth/token/", body, format="json").json()
        again = client.post("/api/auth/token/", body, format="json").json()
        assert again == first, "a live token is returned as is"
        expires = datetime.fromisoformat(first["expires_at"])
        assert timedelta(hours=23.9) < expires - timezone.now() <= timedelta(hours=24)
        self.age(Token.objects.get(user=editor), 25)
        fresh = client.post("/api/auth/token/", body, format="json").json()
        assert fresh["token"] != first["token"]
        assert not Token.objects.filter(key=first["token"]).exists()
        client.credentials(HTTP_AUTHORIZATION=f"Token {fresh['token']}")
        assert client.get("/api/branches/downtown/").status_code == 200


class TestAnonymous:
    def test_write_is_401_with_a_token_challenge(self, branch: Branch) -> None:
        response = APIClient().post("/api/trainers/", trainer_payload(), format="json")
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        assert response["Content-Type"] == "application/problem+json"
        assert response.json()["code"] == "not_authenticated"
        assert not Trainer.objects.exists()

    def test_read_is_401_too(self, trainer: Trainer) -> None:
        assert APIClient().get(f"/api/trainers/{trainer.pk}/").status_code == 401

    def test_bad_token_is_401(self, db: None) -> None:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION="Token nope")
        assert client.post("/api/branches/", {}, format="json").status_code == 401


class TestSession:
    def test_session_write_needs_the_csrf_token(self, editor: User, branch: Branch) -> None:
        client = APIClient(enforce_csrf_checks=True)
        client.login(username="editor", password=PASSWORD)

        response = client.post("/api/trainers/", trainer_payload(), format="json")
        assert response.status_code == 403
        assert "CSRF" in response.json()["detail"]

        client.get("/api/docs/")  # the docs page (Swagger UI) sends the CSRF cookie
        csrf = client.cookies["csrftoken"].value
        response = client.post(
            "/api/trainers/", trainer_payload(), format="json", HTTP_X_CSRFTOKEN=csrf
        )
        assert response.status_code == 201
        assert Event.objects.get(command="TrainerRegister").actor_id == editor.pk

    def test_session_read_needs_no_csrf(self, editor: User, trainer: Trainer) -> None:
        client = APIClient(enforce_csrf_checks=True)
        client.login(username="editor", password=PASSWORD)
        assert client.get(f"/api/trainers/{trainer.pk}/").status_code == 200


class TestModelPermissions:
    def test_staff_without_add_permission_is_403(self, branch: Branch) -> None:
        client = token_client(make_user("change_trainer", "view_trainer"))
        response = client.post("/api/trainers/", trainer_payload(), format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
        assert not Trainer.objects.exists()

    def test_state_changes_need_change_not_add(self, trainer: Trainer) -> None:
        adder = token_client(make_user("add_trainer"))
        assert adder.post(f"/api/trainers/{trainer.pk}/publish/").status_code == 403
        changer = token_client(make_user("change_trainer"))
        assert changer.post(f"/api/trainers/{trainer.pk}/publish/").status_code == 200

    def test_delete_needs_delete(self, trainer: Trainer) -> None:
        changer = token_client(make_user("change_trainer"))
        assert changer.delete(f"/api/trainers/{trainer.pk}/").status_code == 403
        deleter = token_client(make_user("delete_trainer"))
        assert deleter.delete(f"/api/trainers/{trainer.pk}/").status_code == 204

    def test_read_needs_view_or_change(self, trainer: Trainer) -> None:
        url = f"/api/trainers/{trainer.pk}/"
        assert token_client(make_user("add_trainer")).get(url).status_code == 403
        assert token_client(make_user("view_trainer")).get(url).status_code == 200
        assert token_client(make_user("change_trainer")).get(url).status_code == 200

    def test_permissions_are_per_model(self, trainer: Trainer) -> None:
        client = token_client(make_user("add_trainer", "change_trainer"))
        body = {"name": "CPR", "issuer": "Red Cross", "issued_on": "2020-01-01"}
        url = f"/api/trainers/{trainer.pk}/certifications/"
        assert client.post(url, body, format="json").status_code == 403

    def test_superuser_may_do_anything(self, branch: Branch) -> None:
        admin = User.objects.create_superuser("root", password=PASSWORD)
        response = token_client(admin).post("/api/trainers/", trainer_payload(), format="json")
        assert response.status_code == 201

    def test_inactive_user_cannot_obtain_a_token(self, editor: User) -> None:
        editor.is_active = False
        editor.save()
        response = APIClient().post(
            "/api/auth/token/", {"username": "editor", "password": PASSWORD}, format="json"
        )
        assert response.status_code == 400
