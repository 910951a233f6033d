"""Scheduled status changes over the command API: schedule, list pending, cancel."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import register
from trainers.models import Branch


class TestSchedule:
    def test_schedule_list_and_cancel(self, api: APIClient, branch: Branch) -> None:
        trainer = register(branch)
        url = f"/api/trainers/{trainer.pk}/schedule/"
        created = api.post(
            url, {"action": "publish", "at": "2027-01-04T09:00:00+01:00"}, format="json"
        )
        assert created.status_code == 201, created.content
        body_ = created.json()
        assert (body_["action"], body_["state"], body_["at"]) == (
            "publish",
            "pending",
            "2027-01-04T08:00:00Z",
        )
        assert [c["id"] for c in api.get(url).json()] == [body_["id"]]
        assert api.delete(f"{url}{body_['id']}/").status_code == 204
        assert api.get(url).json() == []
        again = api.delete(f"{url}{body_['id']}/")
        assert again.status_code == 409
        assert api.delete(f"{url}99999999999999999999/").status_code == 404

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"action": "dance", "at": "2027-01-04T09:00:00Z"}, "action"),
            ({"action": "publish", "at": "soon"}, "at"),
            ({"action": "publish"}, "at"),
            ({"action": "publish", "at": "2027-01-04T09:00:00Z", "x": 1}, "x"),
        ],
    )
    def test_bad_schedules_are_400(
        self, api: APIClient, branch: Branch, payload: dict[str, object], field: str
    ) -> None:
        trainer = register(branch)
        response = api.post(f"/api/trainers/{trainer.pk}/schedule/", payload, format="json")
        assert response.status_code == 400
        assert field in {e["field"] for e in response.json()["errors"]}
