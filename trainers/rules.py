"""The write model's own rules, checked in memory, for loads of many rows (bulk import).

The rules are the model's: each field's ``clean`` (type, choices, blank and null,
its validators) and the model's check constraints, read from ``models.py``, never
restated. What changes is how they run: no instance and no query per row. A
check constraint is evaluated in Python with SQL's three-valued logic (unknown
passes, as in PostgreSQL and Django's ``CheckConstraint.validate``); a lookup
this evaluator does not know fails when the rules are built, not silently.
Validators whose verdict depends on a few repeated parts (an email's domain, a
photo URL) remember their verdicts.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import time
from functools import cached_property, lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import (
    BaseValidator,
    EmailValidator,
    MaxLengthValidator,
    URLValidator,
)
from django.db import models
from django.db.models import F, Q

from trainers import errors

# Check constraints whose violation belongs to one field, with the message to show there.
CONSTRAINT_ERRORS: dict[str, tuple[str, str | None]] = {
    "trainer_born_before_hired": ("date_of_birth", errors.BORN_BEFORE_HIRED),
    "certification_expires_after_issued": ("expires_on", errors.CERTIFICATION_DATES),
    "class_duration_positive": ("duration_minutes", errors.CLASS_DURATION),
    "class_capacity_positive": ("capacity", errors.CLASS_CAPACITY),
}

WEEK_MINUTES = 7 * 24 * 60


def week_span(weekday: int, start: time, duration_minutes: int) -> tuple[int, int]:
    """A weekly class as minutes from Monday 00:00: (start, end); the end may pass the week's."""
    begin = (weekday - 1) * 24 * 60 + start.hour * 60 + start.minute
    return begin, begin + duration_minutes


def spans_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Two weekly spans overlap, also across midnight and across the week's end (Sunday to
    Monday): the week repeats, so ``b`` is compared one week earlier and later too."""
    return any(
        a[0] < b[1] + shift and b[0] + shift < a[1] for shift in (-WEEK_MINUTES, 0, WEEK_MINUTES)
    )


def constraint_problems(
    instance: models.Model, exclude: Collection[str] = ()
) -> dict[str, list[str]]:
    """The check constraints ``instance`` breaks, each beside its field in plain words
    (``CONSTRAINT_ERRORS``); a constraint over an excluded field is not checked. One query
    per constraint: for a single row (a handler, a form), not for loads."""
    problems: dict[str, list[str]] = {}
    for constraint in instance._meta.constraints:
        if not isinstance(constraint, models.CheckConstraint):
            continue
        field, message = CONSTRAINT_ERRORS.get(constraint.name, ("non_field_errors", None))
        if field in exclude:
            continue
        try:
            constraint.validate(  # type: ignore[attr-defined]  # missing from django-stubs
                type(instance), instance, exclude=set(exclude)
            )
        except ValidationError as exc:
            problems.setdefault(field, []).append(message or exc.messages[0])
    return problems


Values = Mapping[str, Any]
Check = Callable[[Values], bool | None]
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "exact": operator.eq,
    "lt": operator.lt,
    "lte": operator.le,
    "gt": operator.gt,
    "gte": operator.ge,
    "in": lambda value, choices: value in choices,
}


class RowRules:
    """The rules of ``model`` over ``fields``: those fields' own checks, and every check
    constraint that refers to no other field.

    ``remember``: keep each field's verdict on each distinct value, for fields whose
    values repeat across rows (the titles and times of a timetable); a field's checks
    are a function of its value alone.
    """

    def __init__(
        self, model: type[models.Model], fields: Iterable[str], *, remember: bool = False
    ) -> None:
        self.model = model
        self.names = tuple(fields)
        self.remember = remember

    @cached_property
    def _fields(self) -> list[tuple[str, str, Verdict]]:
        # Built on first use: integer fields take their range from the database backend.
        checks = []
        for name in self.names:
            field = self.model._meta.get_field(name)
            assert isinstance(field, models.Field), name
            verdict = _field_verdict(field)
            checks.append(
                (field.name, field.attname, _remembered(verdict) if self.remember else verdict)
            )
        return checks

    @cached_property
    def _constraints(self) -> list[tuple[str, str, Check]]:
        return [
            (
                _field_of(constraint),
                _message_of(constraint),
                condition_check(Q(constraint.condition)),
            )
            for constraint in self.model._meta.constraints
            if isinstance(constraint, models.CheckConstraint)
            and Q(constraint.condition).referenced_base_fields <= set(self.names)
        ]

    def problem(self, values: Values) -> tuple[str, str] | None:
        """The first rule ``values`` breaks, as (field, message); None when they keep all.

        Fields first, in the order given, then constraints.
        """
        for name, attname, verdict in self._fields:
            if (message := verdict(values[attname])) is not None:
                return name, message
        for field_name, message, check in self._constraints:
            if check(values) is False:
                return field_name, message
        return None


Verdict = Callable[[Any], str | None]


def _field_verdict(field: models.Field[Any, Any]) -> Verdict:
    """A field's own checks on a value: the first message, or None. A field that allows
    blank accepts an empty value without further checks, as in ``Model.clean_fields``."""
    checks: list[Callable[[Any], None]] = [*field.validators, *text_limits(field)]
    validators = [_remembering(check) for check in checks]

    def verdict(value: Any) -> str | None:
        if field.blank and value in field.empty_values:
            return None
        try:
            value = field.to_python(value)
            field.validate(value, None)  # the instance matters to foreign keys only
            for validate in validators:
                validate(value)
        except ValidationError as exc:
            return exc.messages[0]
        return None

    return verdict


def _remembered(verdict: Verdict) -> Verdict:
    known = lru_cache(maxsize=4096, typed=True)(verdict)

    def check(value: Any) -> str | None:
        try:
            return known(value)
        except TypeError:  # a value that cannot be a key (a list): checked each time
            return verdict(value)

    return check


def text_limits(field: models.Field[Any, Any]) -> list[MaxLengthValidator]:
    """``TextField(max_length=...)``: Django enforces the limit in forms only, and commands
    do not come from forms."""
    if isinstance(field, models.TextField) and field.max_length is not None:
        return [MaxLengthValidator(field.max_length)]
    return []


def _field_of(constraint: models.CheckConstraint) -> str:
    known = CONSTRAINT_ERRORS.get(constraint.name)
    if known is not None:
        return known[0]
    return sorted(Q(constraint.condition).referenced_base_fields)[0]


def _message_of(constraint: models.CheckConstraint) -> str:
    known = CONSTRAINT_ERRORS.get(constraint.name)
    if known is not None and known[1] is not None:
        return known[1]
    return str(constraint.get_violation_error_message())


def condition_check(q: Q) -> Check:
    """``q`` as a function of a row's values: True, False, or None (unknown: a NULL)."""
    parts = [
        condition_check(child) if isinstance(child, Q) else _lookup(*_pair(child))
        for child in q.children
    ]
    check = _combine(parts, decisive=q.connector != Q.AND)
    return _not(check) if q.negated else check


def _pair(child: Any) -> tuple[str, Any]:
    lookup, rhs = child
    return str(lookup), rhs


def _lookup(lookup: str, rhs: Any) -> Check:
    name, _, kind = lookup.partition("__")
    if kind == "isnull":
        return lambda values: (values[name] is None) == rhs
    if kind not in _COMPARISONS and kind != "":
        raise TypeError(f"Lookup {lookup!r} is not evaluated in memory; add it to rules.py.")
    compare = _COMPARISONS[kind or "exact"]
    if isinstance(rhs, F):
        other = rhs.name
        return lambda values: (
            None
            if values[name] is None or values[other] is None
            else compare(values[name], values[other])
        )
    return lambda values: None if values[name] is None else compare(values[name], rhs)


def _combine(parts: list[Check], decisive: bool) -> Check:
    """AND (``decisive`` False) or OR (True): one decisive part decides; else any unknown
    part makes the whole unknown."""

    def check(values: Values) -> bool | None:
        verdict: bool | None = not decisive
        for part in parts:
            result = part(values)
            if result is decisive:
                return decisive
            if result is None:
                verdict = None
        return verdict

    return check


def _not(part: Check) -> Check:
    def check(values: Values) -> bool | None:
        result = part(values)
        return None if result is None else not result

    return check


def _remembering(validator: Callable[[Any], None]) -> Callable[[Any], None]:
    if isinstance(validator, EmailValidator):
        return _EmailCheck(validator)
    if isinstance(validator, URLValidator):
        return _RememberedCheck(validator)
    if isinstance(validator, BaseValidator) and not callable(validator.limit_value):
        return _limit_check(validator)
    return validator


def _limit_check(validator: BaseValidator) -> Callable[[Any], None]:
    """A length or range validator, with its message built only when the value fails."""
    limit, compare, clean = validator.limit_value, validator.compare, validator.clean

    def check(value: Any) -> None:
        if compare(clean(value), limit):
            validator(value)  # raises the validator's own error

    return check


class _RememberedCheck:
    """A validator whose verdict on a value is computed once (few distinct values)."""

    def __init__(self, validator: Callable[[Any], None]) -> None:
        self.validator = validator
        self.passes = lru_cache(maxsize=4096)(self._passes)

    def _passes(self, value: Any) -> bool:
        try:
            self.validator(value)
        except ValidationError:
            return False
        return True

    def __call__(self, value: Any) -> None:
        if not self.passes(value):
            self.validator(value)  # raises the validator's own error


class _EmailCheck(_RememberedCheck):
    """Django's email check, with the costly domain part remembered: imports repeat few
    domains. ``user@domain`` passes when its user part matches and ``x@domain`` passes."""

    validator: EmailValidator

    def __call__(self, value: Any) -> None:
        user, _, domain = str(value).rpartition("@")
        if not (user and self.validator.user_regex.match(user) and self.passes(f"x@{domain}")):
            self.validator(value)  # raises the validator's own error
