"""``GET /query/trainers`` and ``GET /query/trainers/{id}`` over committed data."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.db import connection
from fastapi.testclient import TestClient

from readapi.schemas import TrainerPage, TrainerProfile
from tests.readapi.conftest import Gym


def names(client: TestClient, **params: Any) -> list[str]:
    response = client.get("/query/trainers", params=params)
    assert response.status_code == 200, response.text
    page = TrainerPage.model_validate(response.json())
    return [item.first_name for item in page.items]


def expected_tenure(hired_on: date) -> int:
    today = date.today()
    return today.year - hired_on.year - ((today.month, today.day) < (hired_on.month, hired_on.day))


class TestList:
    def test_public_trainers_by_last_name_with_the_item_contract(
        self, app_client: TestClient, gym: Gym
    ) -> None:
        body = app_client.get("/query/trainers").json()
        assert [i["last_name"] for i in body["items"]] == ["Costa", "Mendes", "Silva"]
        assert body["next_cursor"] is None
        ana = body["items"][2]
        assert ana == {
            "id": str(gym.ana.pk),
            "slug": gym.ana.slug,
            "first_name": "Ana",
            "last_name": "Silva",
            "position": "senior_trainer",
            "shift": "morning",
            "on_leave": False,
            "photo_url": None,
            "photo": None,
            "tenure_years": expected_tenure(date(2015, 1, 10)),
            "branch": {"slug": "downtown", "name": "Downtown", "city": "Lisbon"},
            "specialties": [{"slug": "yoga", "name": "Yoga"}],
        }
        assert body["items"][1]["on_leave"] is True

    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"branch": "downtown"}, ["Bruno", "Ana"]),
            ({"branch": "riverside"}, ["Carla"]),
            ({"specialty": "yoga"}, ["Bruno", "Ana"]),
            ({"specialty": ["yoga", "strength"]}, ["Bruno"]),
            ({"shift": "evening"}, ["Bruno", "Carla"]),
            ({"position": "head_coach"}, ["Bruno"]),
            ({"weekday": 3}, ["Bruno", "Ana"]),
            ({"weekday": 1}, ["Ana"]),
            ({"weekday": 7}, []),
            ({"branch": "riverside", "specialty": "strength", "shift": "evening"}, ["Carla"]),
            ({"branch": "downtown", "position": "trainer"}, []),
        ],
    )
    def test_filters(
        self, app_client: TestClient, gym: Gym, params: dict[str, Any], expected: list[str]
    ) -> None:
        assert names(app_client, **params) == expected

    @pytest.mark.parametrize(
        ("q", "expected"),
        [
            ("Ana Silva", ["Ana"]),
            ("sil", ["Ana"]),  # prefix while typing
            ("carl", ["Carla"]),
            ("strength", ["Bruno", "Carla"]),  # specialty names are searched
            ("vinyasa", ["Ana"]),  # so is the bio
            ("SILVA!!", ["Ana"]),
            ("nobody", []),
        ],
    )
    def test_full_text_search(
        self, app_client: TestClient, gym: Gym, q: str, expected: list[str]
    ) -> None:
        assert sorted(names(app_client, q=q)) == sorted(expected)

    def test_search_ranks_names_and_specialties_above_the_bio(
        self, app_client: TestClient, gym: Gym
    ) -> None:
        # Ana has the Yoga specialty; Bruno has it too and mentions it in his bio.
        assert names(app_client, q="yoga")[0:2] in (["Bruno", "Ana"], ["Ana", "Bruno"])
        assert names(app_client, q="bruno yoga") == ["Bruno"]

    def test_search_tolerates_a_typo_in_a_name_where_trigrams_exist(
        self, app_client: TestClient, gym: Gym
    ) -> None:
        from config.asgi import query_app

        app_client.get("/query/trainers?q=x")
        if not query_app.state.search.trigram:
            pytest.skip("pg_trgm is not installed on this server")
        assert names(app_client, q="Mendez") == ["Carla"]

    def test_search_without_trigrams_uses_full_text_alone(
        self, app_client: TestClient, gym: Gym
    ) -> None:
        from config.asgi import query_app

        app_client.get("/query/trainers")
        query_app.state.search.trigram = False
        try:
            assert names(app_client, q="sil") == ["Ana"]
            assert names(app_client, q="Mendez") == []
        finally:
            query_app.state.search.trigram = None

    def test_search_combines_with_filters(self, app_client: TestClient, gym: Gym) -> None:
        assert names(app_client, q="strength", branch="riverside") == ["Carla"]


class TestDetail:
    def test_full_profile_with_valid_certifications_and_classes(
        self, app_client: TestClient, gym: Gym
    ) -> None:
        response = app_client.get(f"/query/trainers/{gym.ana.pk}")
        assert response.status_code == 200
        profile = TrainerProfile.model_validate(response.json())
        assert profile.first_name == "Ana"
        assert profile.tenure_years == expected_tenure(date(2015, 1, 10))
        assert [c.name for c in profile.certifications] == ["RYT 200"]
        assert [(c.title, c.weekday, c.start_time, c.branch.slug) for c in profile.classes] == [
            ("Morning flow", 1, "07:00", "downtown"),
            ("Sunset yoga", 3, "19:00", "riverside"),
        ]
        assert profile.weekdays == [1, 3]
        assert profile.bio == "Vinyasa flow and mobility."

    def test_the_document_is_the_read_rows_item_and_profile(
        self, app_client: TestClient, gym: Gym
    ) -> None:
        """The statement splices stored JSON texts (``item_text``, ``profile_text``): the
        result is the read row's item and profile, each field once, with the tenure and
        the certifications that have not expired."""
        today = date.today().isoformat()
        for trainer in (gym.ana, gym.bruno, gym.carla):
            with connection.cursor() as cursor:
                cursor.execute("SELECT item, profile FROM read.trainer WHERE id = %s", [trainer.pk])
                item, profile = (json.loads(v) for v in cursor.fetchone())
            certifications = [
                c
                for c in profile["certifications"]
                if c["expires_on"] is None or c["expires_on"] >= today
            ]
            expected = {
                **item,
                **profile,
                "tenure_years": expected_tenure(trainer.hired_on),
                "certifications": certifications,
            }
            body = app_client.get(f"/query/trainers/{trainer.pk}").content
            pairs = json.loads(body, object_pairs_hook=lambda kv: kv)
            assert len(pairs) == len({k for k, _ in pairs}), "a field twice"
            assert json.loads(body) == expected
        assert (
            len(
                json.loads(app_client.get(f"/query/trainers/{gym.ana.pk}").content)[
                    "certifications"
                ]
            )
            == 1
        )  # "Old CPR" expired

    def test_on_leave_trainer_is_public_and_flagged(self, app_client: TestClient, gym: Gym) -> None:
        assert app_client.get(f"/query/trainers/{gym.carla.pk}").json()["on_leave"] is True

    @pytest.mark.parametrize("who", ["draft", "retired", "unknown", "malformed", "nul"])
    def test_404_for_ids_that_are_not_public_trainers(
        self, app_client: TestClient, gym: Gym, who: str
    ) -> None:
        trainer_id = {
            "draft": str(gym.draft.pk),
            "retired": str(gym.retired.pk),
            "unknown": "00000000-0000-4000-8000-000000000000",
            "malformed": "not-a-uuid",
            "nul": "%00",
        }[who]
        response = app_client.get(f"/query/trainers/{trainer_id}")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 404


def test_a_profile_by_its_slug(app_client: TestClient, gym: Gym) -> None:
    by_id = app_client.get(f"/query/trainers/{gym.ana.pk}")
    by_slug = app_client.get(f"/query/trainers/{gym.ana.slug}")
    assert by_slug.status_code == 200
    assert by_slug.content == by_id.content
    assert by_slug.headers["etag"] == by_id.headers["etag"]
    for hidden in (gym.draft.slug, gym.retired.slug, "nobody-here", "bad%20slug"):
        missing = app_client.get(f"/query/trainers/{hidden}")
        assert missing.status_code == 404, hidden
        assert missing.json()["detail"] == "No public trainer has this id or slug."
