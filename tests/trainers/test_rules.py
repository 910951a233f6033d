"""The model's rules run in memory (bulk import) give the database's verdicts."""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from trainers import errors
from trainers.models import Certification, GymClass, Trainer
from trainers.rules import RowRules, condition_check

MODELS = (Trainer, Certification, GymClass)
ROWS: list[tuple[type[models.Model], dict[str, Any]]] = [
    (Trainer, {"status": "published", "position": "trainer", "shift": "night", "version": 1}),
    (Trainer, {"status": "archived", "position": "chief", "shift": "noon", "version": 0}),
    (Trainer, {"hired_on": date(2020, 1, 1), "date_of_birth": None}),
    (Trainer, {"hired_on": date(2020, 1, 1), "date_of_birth": date(1990, 1, 1)}),
    (Trainer, {"hired_on": date(2020, 1, 1), "date_of_birth": date(2020, 1, 1)}),
    (Certification, {"issued_on": date(2022, 1, 1), "expires_on": None}),
    (Certification, {"issued_on": date(2022, 1, 1), "expires_on": date(2022, 1, 1)}),
    (Certification, {"issued_on": date(2022, 1, 1), "expires_on": date(2023, 1, 1)}),
    (GymClass, {"weekday": 7, "duration_minutes": 600, "capacity": 1}),
    (GymClass, {"weekday": 0, "duration_minutes": 601, "capacity": 0}),
    (GymClass, {"weekday": 8, "duration_minutes": 0, "capacity": -1}),
]


def check_constraints(model: type[models.Model]) -> list[models.CheckConstraint]:
    return [c for c in model._meta.constraints if isinstance(c, models.CheckConstraint)]


@pytest.mark.parametrize("model", MODELS)
def test_every_check_constraint_is_evaluated_in_memory(model: type[models.Model]) -> None:
    for constraint in check_constraints(model):
        condition_check(Q(constraint.condition))  # raises on a lookup it does not know


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "values"), ROWS)
def test_in_memory_verdicts_agree_with_the_database(
    model: type[models.Model], values: dict[str, Any]
) -> None:
    instance = model(**values)
    for constraint in check_constraints(model):
        if not Q(constraint.condition).referenced_base_fields <= set(values):
            continue
        try:
            constraint.validate(model, instance)  # type: ignore[attr-defined]  # missing from django-stubs
            database = True
        except ValidationError:
            database = False
        assert (condition_check(Q(constraint.condition))(values) is not False) == database, (
            constraint.name
        )


class TestRowRules:
    def test_a_valid_row_keeps_every_rule(self) -> None:
        rules = RowRules(GymClass, ("title", "weekday", "start_time", "duration_minutes"))
        values = {"title": "Yoga", "weekday": 1, "start_time": time(9), "duration_minutes": 60}
        assert rules.problem(values) is None

    def test_fields_come_first_in_the_order_given(self) -> None:
        rules = RowRules(Certification, ("name", "issuer", "issued_on", "expires_on"))
        values = {
            "name": "",
            "issuer": "x" * 161,
            "issued_on": date(2022, 1, 1),
            "expires_on": date(2021, 1, 1),
        }
        assert rules.problem(values) == ("name", "This field cannot be blank.")
        assert rules.problem(values | {"name": "CPR", "issuer": "Red Cross"}) == (
            "expires_on",
            errors.CERTIFICATION_DATES,
        )

    def test_a_broken_constraint_has_its_field_message(self) -> None:
        rules = RowRules(GymClass, ("duration_minutes", "capacity"))
        assert rules.problem({"duration_minutes": 0, "capacity": 5}) == (
            "duration_minutes",
            errors.CLASS_DURATION,
        )

    def test_choices_email_url_and_text_limits_are_the_fields_own(self) -> None:
        rules = RowRules(Trainer, ("position", "email", "photo_url", "bio"))
        row = {"position": "trainer", "email": "a@example.com", "photo_url": "", "bio": ""}
        assert rules.problem(row) is None
        assert rules.problem(row | {"position": "chief"}) == (
            "position",
            "Value 'chief' is not a valid choice.",
        )
        assert rules.problem(row | {"email": "a@b@c"}) == ("email", "Enter a valid email address.")
        assert rules.problem(row | {"email": "a@bad_domain"}) == (
            "email",
            "Enter a valid email address.",
        )
        assert rules.problem(row | {"photo_url": "nope"}) == ("photo_url", "Enter a valid URL.")
        field, message = rules.problem(row | {"bio": "b" * 4001}) or ("", "")
        assert field == "bio" and "at most 4000 characters" in message
