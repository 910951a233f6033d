"""Search relevance: queries people type and the trainers they expect on top.

A small deterministic gym (written through the ORM, projected by the triggers)
and, for each query, what the first results must be. The set was written
against the ranking before the bounded search (migration 0011) and passed there
unchanged: it pins the relevance that search must keep. It runs twice: as the
API answers this small gym (every match ranked), and with every word that has
name or specialty postings listed from them (``LIST_FROM`` = 1), as large
databases answer common words (docs/read-model.md, "Search").

Expectations name trainers by "First Last" and come in three kinds:
``first``: the first results, in this order; ``top``: the first results, in any
order (ties the ranking may break either way); ``exactly``: every result, in any
order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from readapi.handlers import search as search_sql
from tests.factories import make_branch, make_specialty, make_trainer
from trainers.models import Status

# first, last, branch, specialties, bio, shift
PEOPLE = [
    ("Ana", "Silva", "downtown", ["yoga"], "Vinyasa flow and mobility for beginners.", "morning"),
    (
        "Bruno",
        "Costa",
        "downtown",
        ["strength", "yoga"],
        "Powerlifting coach who also teaches yoga basics.",
        "evening",
    ),
    (
        "Carla",
        "Mendes",
        "riverside",
        ["strength"],
        "Olympic lifting and kettlebell technique.",
        "evening",
    ),
    (
        "Joana",
        "Silveira",
        "riverside",
        ["pilates"],
        "Reformer pilates and posture work.",
        "morning",
    ),
    (
        "Joao",
        "Santos",
        "downtown",
        ["boxing"],
        "Former amateur boxer: pad work and footwork.",
        "evening",
    ),
    (
        "Marta",
        "Sousa",
        "riverside",
        ["running", "nutrition"],
        "Marathon runner and nutrition coach.",
        "morning",
    ),
    (
        "Miguel",
        "Ferreira",
        "downtown",
        ["yoga", "pilates"],
        "Yin yoga, mat pilates and breathwork.",
        "morning",
    ),
    (
        "Rita",
        "Oliveira",
        "riverside",
        ["boxing", "strength"],
        "Kickboxing champion turned strength coach.",
        "evening",
    ),
    ("Pedro", "Almeida", "downtown", ["running"], "Trail running and hill intervals.", "morning"),
    (
        "Sofia",
        "Rodrigues",
        "riverside",
        ["nutrition"],
        "Sports dietitian: meal plans for athletes.",
        "evening",
    ),
    (
        "Tiago",
        "Pereira",
        "downtown",
        ["strength"],
        "Barbell technique, deadlift and squat.",
        "morning",
    ),
    ("Ines", "Carvalho", "riverside", ["yoga"], "Prenatal yoga and gentle stretching.", "evening"),
    ("Luis", "Gomes", "downtown", ["boxing"], "Boxing for fitness and self defence.", "evening"),
    (
        "Beatriz",
        "Martins",
        "riverside",
        ["pilates", "yoga"],
        "Pilates instructor who loves hiking.",
        "morning",
    ),
    (
        "Nuno",
        "Lopes",
        "downtown",
        ["running", "strength"],
        "Sprint coach: speed and power.",
        "evening",
    ),
    (
        "Catarina",
        "Marques",
        "riverside",
        ["nutrition", "yoga"],
        "Mindful eating and restorative yoga.",
        "morning",
    ),
    (
        "Ricardo",
        "Ribeiro",
        "downtown",
        ["strength"],
        "Strongman events, stones and yoke.",
        "evening",
    ),
    ("Silvana", "Costa", "downtown", ["yoga"], "Ashtanga practitioner and surfer.", "morning"),
    (
        "Anabela",
        "Fonseca",
        "riverside",
        ["running"],
        "Couch to 5k groups every weekend.",
        "morning",
    ),
    ("Carlos", "Mendonca", "downtown", ["boxing"], "Heavy bag conditioning.", "evening"),
    (
        "Helena",
        "Duarte",
        "riverside",
        ["yoga", "nutrition"],
        "Yoga teacher, yoga retreats, yoga philosophy.",
        "evening",
    ),
    ("Vasco", "Pinto", "downtown", [], "Swimming coach and lifeguard.", "morning"),
]
# Never found: not public.
HIDDEN = [
    ("Dora", "Draft", Status.DRAFT, "A secret yoga trainer."),
    ("Rui", "Retired", Status.RETIRED, "Secret."),
]
SPECIALTIES = {
    "yoga": "Yoga",
    "strength": "Strength training",
    "pilates": "Pilates",
    "boxing": "Boxing",
    "running": "Running",
    "nutrition": "Nutrition coaching",
}


# Past the response cache: the tests change the search's bounds between requests.
FRESH = {"Cache-Control": "no-cache"}


@dataclass(frozen=True)
class Case:
    params: dict[str, Any]
    kind: str  # "first", "top" or "exactly"
    expected: tuple[str, ...]

    def check(self, found: list[str]) -> bool:
        if self.kind == "first":
            return found[: len(self.expected)] == list(self.expected)
        if self.kind == "top":
            return sorted(found[: len(self.expected)]) == sorted(self.expected)
        return sorted(found) == sorted(self.expected)


def first(q: str, *names: str, **filters: Any) -> Case:
    return Case({"q": q, **filters}, "first", names)


def top(q: str, *names: str, **filters: Any) -> Case:
    return Case({"q": q, **filters}, "top", names)


def exactly(q: str, *names: str, **filters: Any) -> Case:
    return Case({"q": q, **filters}, "exactly", names)


YOGA = (
    "Ana Silva",
    "Bruno Costa",
    "Miguel Ferreira",
    "Ines Carvalho",
    "Beatriz Martins",
    "Catarina Marques",
    "Silvana Costa",
    "Helena Duarte",
)

CASES = [
    # Full names and single names.
    first("Ana Silva", "Ana Silva"),
    first("bruno costa", "Bruno Costa"),
    exactly("costa", "Bruno Costa", "Silvana Costa"),
    first("silva", "Ana Silva"),
    first("Mendes", "Carla Mendes"),
    first("helena", "Helena Duarte"),
    first("RIBEIRO!", "Ricardo Ribeiro"),
    # Name prefixes, as typed.
    top("sil", "Ana Silva", "Silvana Costa", "Joana Silveira"),
    top("silv", "Ana Silva", "Silvana Costa", "Joana Silveira"),
    top("carl", "Carla Mendes", "Carlos Mendonca"),  # the same rank: either first
    top("ana", "Ana Silva", "Anabela Fonseca"),
    first("anab", "Anabela Fonseca"),
    first("ferr", "Miguel Ferreira"),
    first("mendo", "Carlos Mendonca"),
    top("j", "Joana Silveira", "Joao Santos"),
    # Typos in names.
    first("Mendez", "Carla Mendes"),
    first("Olivera", "Rita Oliveira"),
    first("Carvallo", "Ines Carvalho"),
    first("Rodriges", "Sofia Rodrigues"),
    first("Fereira", "Miguel Ferreira"),
    # Specialties: their holders before those who only mention the word.
    top("yoga", "Helena Duarte", *[n for n in YOGA if n != "Helena Duarte"]),
    first("yoga", "Helena Duarte"),
    exactly("pilates", "Joana Silveira", "Miguel Ferreira", "Beatriz Martins"),
    top("boxing", "Joao Santos", "Rita Oliveira", "Luis Gomes", "Carlos Mendonca"),
    top("nutri", "Marta Sousa", "Sofia Rodrigues", "Catarina Marques", "Helena Duarte"),
    top(
        "strength",
        "Bruno Costa",
        "Carla Mendes",
        "Rita Oliveira",
        "Tiago Pereira",
        "Nuno Lopes",
        "Ricardo Ribeiro",
    ),
    top("runn", "Marta Sousa", "Pedro Almeida", "Nuno Lopes", "Anabela Fonseca"),
    # Words of a bio.
    exactly("vinyasa", "Ana Silva"),
    exactly("kettlebell", "Carla Mendes"),
    exactly("marathon", "Marta Sousa"),
    exactly("deadlift", "Tiago Pereira"),
    exactly("swimming", "Vasco Pinto"),
    exactly("surf", "Silvana Costa"),
    exactly("5k", "Anabela Fonseca"),
    # Several words: every word must match.
    exactly("bruno yoga", "Bruno Costa"),
    exactly("yoga prenatal", "Ines Carvalho"),
    exactly("strength coach", "Rita Oliveira", "Bruno Costa", "Nuno Lopes"),
    exactly("pilates yoga", "Miguel Ferreira", "Beatriz Martins"),
    top("costa yoga", "Bruno Costa", "Silvana Costa"),
    # With filters.
    exactly(
        "yoga",
        "Ines Carvalho",
        "Beatriz Martins",
        "Catarina Marques",
        "Helena Duarte",
        branch="riverside",
    ),
    exactly(
        "strength",
        "Tiago Pereira",
        "Ricardo Ribeiro",
        "Nuno Lopes",
        "Bruno Costa",
        branch="downtown",
        specialty="strength",
    ),
    exactly(
        "coach",
        "Bruno Costa",
        "Rita Oliveira",
        "Nuno Lopes",
        "Sofia Rodrigues",
        "Helena Duarte",
        shift="evening",
    ),  # "coaching" in Nutrition coaching
    exactly("yoga", "Bruno Costa", specialty=["yoga", "strength"]),
    # Nothing to find, and hidden trainers stay hidden.
    exactly("nobody"),
    exactly("dora"),
    exactly("secret"),
]


@pytest.fixture
def people(transactional_db: None) -> None:
    branches = {
        "downtown": make_branch(slug="downtown", name="Downtown", city="Lisbon"),
        "riverside": make_branch(slug="riverside", name="Riverside", city="Porto"),
    }
    specialties = {slug: make_specialty(slug=slug, name=name) for slug, name in SPECIALTIES.items()}
    for first_name, last_name, branch, held, bio, shift in PEOPLE:
        make_trainer(
            first_name=first_name,
            last_name=last_name,
            branch=branches[branch],
            specialties=[specialties[s] for s in held],
            bio=bio,
            shift=shift,
        )
    for first_name, last_name, status, bio in HIDDEN:
        make_trainer(
            first_name=first_name,
            last_name=last_name,
            branch=branches["downtown"],
            status=status,
            bio=bio,
        )


def search(client: TestClient, params: dict[str, Any]) -> list[str]:
    response = client.get("/query/trainers", params={"limit": 100, **params}, headers=FRESH)
    assert response.status_code == 200, response.text
    return [f"{i['first_name']} {i['last_name']}" for i in response.json()["items"]]


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("list_from", [search_sql.LIST_FROM, 1])
def test_every_query_finds_what_people_expect(
    app_client: TestClient, people: None, list_from: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_sql, "LIST_FROM", list_from)
    failures = []
    for case in CASES:
        found = search(app_client, case.params)
        if not case.check(found):
            failures.append(
                f"{case.params}: expected {case.kind} {list(case.expected)}, got {found}"
            )
    assert not failures, "\n".join(failures)


def pages(client: TestClient, params: dict[str, Any]) -> list[list[str]]:
    """Every page of a search, one result a page, following next_cursor."""
    found, cursor = [], ""
    while True:
        response = client.get(
            "/query/trainers", params={**params, "limit": 1, "cursor": cursor}, headers=FRESH
        )
        assert response.status_code == 200, response.text
        body = response.json()
        found.append([f"{i['first_name']} {i['last_name']}" for i in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return found
        assert len(found) < 50


@pytest.mark.parametrize("q", ["yoga", "sil", "costa", "strength"])
def test_a_listed_word_pages_exactly_through_its_postings(
    app_client: TestClient, people: None, q: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search_sql, "LIST_FROM", 1)
    whole = search(app_client, {"q": q})
    assert [name for page in pages(app_client, {"q": q}) for name in page] == whole
    # Each trainer once, under its best word ("sil": Silva and Silveira are two words).
    assert len(set(whole)) == len(whole)


def test_a_ranked_search_pages_through_its_candidates_and_stops_at_the_bound(
    app_client: TestClient, people: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    params = {"q": "yoga", "branch": "downtown"}  # four matches, ranked (a filter)
    whole = search(app_client, params)
    assert sorted(whole) == ["Ana Silva", "Bruno Costa", "Miguel Ferreira", "Silvana Costa"]
    assert [name for page in pages(app_client, params) for name in page] == whole
    monkeypatch.setattr(search_sql, "CANDIDATES", 3)
    bounded = [name for page in pages(app_client, params) for name in page]
    assert len(bounded) == 3 and set(bounded) < set(whole)
