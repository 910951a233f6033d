"""Hostile input: schemathesis fuzzes the three OpenAPI schemas against a live server.

Positive (schema-valid) and negative (schema-violating) cases for every
operation, bounded (``EXAMPLES`` per operation and mode) and deterministic.
Every response must be a non-5xx with a status, content type and body the
schema declares. The command and ops APIs are called as a superuser, so that
requests get past authentication into the parsers, serializers and handlers.
"""

from __future__ import annotations

import time as time_module
from collections import Counter
from collections.abc import Iterator
from datetime import date, time
from typing import Any

import pytest
import schemathesis
from django.db import connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.reliability.conftest import register
from tests.server import LiveServer, start_server
from trainers import commands as c
from trainers.handlers import dispatch
from trainers.models import Branch, ReadModelRun

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]

EXAMPLES = 25
NOT_FUZZED = {
    # A never-ending server-sent event stream: each positive case would wait for its timeout.
    ("GET", "/query/changes"),
    # Revokes the token the fuzzer calls with (tests/api/test_auth.py covers it).
    ("DELETE", "/api/auth/token/"),
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def server(django_db_setup: None) -> Iterator[LiveServer]:
    live = start_server(connections["default"].settings_dict, timeout=90)
    try:
        yield live
    finally:
        live.stop()


KNOWN: dict[str, str] = {}


def known_ids(path: str) -> dict[str, str]:
    slug = "yoga" if "specialties/{slug}" in path else "downtown"
    return {**KNOWN, "slug": slug}


@pytest.fixture
def catalog(branch: Branch) -> None:
    """A little of everything, so that the fuzzer's reads return real documents."""
    dispatch(c.SpecialtyCreate(slug="yoga", name="Yoga"))
    for i in range(3):
        trainer = register(specialties=("yoga",), bio="Strength and mobility.")
        cert = dispatch(c.CertificationAdd(trainer.pk, "CPR", "Red Cross", date(2020, 1, 1)))
        gym_class = dispatch(
            c.GymClassSchedule("Flow", "downtown", trainer.pk, 1, time(7, 0), 45, 12)
        )
        if i == 0:
            KNOWN.update(
                trainer_id=str(trainer.pk),
                certification_id=str(cert.pk),
                class_id=str(gym_class.pk),
            )
        dispatch(c.TrainerPublish(trainer.pk))


def fuzz(schema: Any, base_url: str, headers: dict[str, str]) -> Counter[str]:
    """Run every operation in both modes; return the statuses seen per operation."""
    seen: Counter[str] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in NOT_FUZZED:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # Valid cases address existing resources, so that they reach the handlers.
            fixed = {
                name: value
                for name, value in known_ids(operation.path).items()
                if "{" + name + "}" in operation.path and mode is GenerationMode.POSITIVE
            }

            @given(case=operation.as_strategy(generation_mode=mode, path_parameters=fixed))
            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                database=None,
                deadline=None,
                suppress_health_check=list(HealthCheck),
            )
            def run(case: Any) -> None:
                response = case.call(base_url=base_url, headers=headers, timeout=30)
                seen[f"{response.status_code}"] += 1
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                run()
            except Unsatisfiable:
                # Nothing to violate (no parameters, no body): no negative case exists.
                assert mode is GenerationMode.NEGATIVE, operation.label
    return seen


def test_query_api(server: LiveServer, catalog: None) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/query/openapi.json")
    seen = fuzz(schema, server.url, {})
    print(f"\nquery API fuzzed: {sum(seen.values())} requests, statuses {dict(seen)}")
    assert not any(s.startswith("5") for s in seen)


def test_command_api(server: LiveServer, catalog: None, superuser_token: str) -> None:
    schema = schemathesis.openapi.from_url(f"{server.url}/api/schema/?format=json")
    seen = fuzz(schema, server.url, {"Authorization": f"Token {superuser_token}"})
    print(f"\ncommand API fuzzed: {sum(seen.values())} requests, statuses {dict(seen)}")
    assert not any(s.startswith("5") for s in seen)


def test_ops_api(server: LiveServer, catalog: None, superuser_token: str) -> None:
    headers = {"Authorization": f"Token {superuser_token}"}
    schema = schemathesis.openapi.from_url(f"{server.url}/ops/openapi.json", headers=headers)
    try:
        seen = fuzz(schema, server.url, headers)
    finally:
        # Rebuilds and checks started in the background finish before the database goes.
        deadline = time_module.monotonic() + 120
        while ReadModelRun.objects.filter(state=ReadModelRun.State.RUNNING).exists():
            assert time_module.monotonic() < deadline, "a background run never finished"
            time_module.sleep(0.2)
    print(f"\nops API fuzzed: {sum(seen.values())} requests, statuses {dict(seen)}")
    assert not any(s.startswith("5") for s in seen)
