"""The per-client rate limit of ``/query/``: off unless configured, 429 with Retry-After when hit.

No database needed: the limit sits in front of every route, and
``/query/openapi.json`` answers without one.
"""

from __future__ import annotations

import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from readapi.app import create_app
from readapi.ratelimit import RateLimit

URL = "/query/openapi.json"


def app_with(limit: str, **kwargs: object) -> FastAPI:
    return create_app(dsn="", rate_limit=RateLimit.parse(limit), **kwargs)  # type: ignore[arg-type]


def statuses(client: TestClient, n: int, **headers: str) -> list[int]:
    return [client.get(URL, headers=headers).status_code for _ in range(n)]


def test_off_by_default_and_in_the_composed_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUERY_RATE_LIMIT", raising=False)
    assert statuses(TestClient(create_app(dsn="")), 60) == [200] * 60
    from config.asgi import query_app

    assert query_app.state.rate_limit is None


def test_a_client_over_its_burst_gets_429_with_retry_after() -> None:
    client = TestClient(app_with("5/minute"))

    assert statuses(client, 5) == [200] * 5
    response = client.get(URL)

    assert response.status_code == 429
    assert response.headers["content-type"] == "application/problem+json"
    assert 1 <= int(response.headers["retry-after"]) <= 12  # one token per 12 s
    assert response.json()["status"] == 429
    assert response.json()["code"] == "throttled"
    # Refused requests carry the security headers too.
    assert response.headers["x-content-type-options"] == "nosniff"


def test_each_client_has_its_own_bucket() -> None:
    app = app_with("3/minute")
    one = TestClient(app, client=("192.0.2.1", 1000))
    two = TestClient(app, client=("192.0.2.2", 1000))

    assert statuses(one, 4) == [200, 200, 200, 429]
    assert statuses(two, 3) == [200, 200, 200]


def test_tokens_come_back_at_the_configured_rate() -> None:
    client = TestClient(app_with("2/second"))
    assert 429 in statuses(client, 4)
    time.sleep(0.6)  # one token at 2 per second
    assert statuses(client, 1) == [200]


def test_x_forwarded_for_counts_only_behind_the_configured_proxies() -> None:
    direct = TestClient(app_with("2/minute", num_proxies=0), client=("192.0.2.9", 1000))
    # Made-up addresses do not buy fresh buckets (issue 17: 40 addresses, never a 429).
    assert [
        direct.get(URL, headers={"X-Forwarded-For": f"198.51.100.{i}"}).status_code
        for i in range(3)
    ] == [200, 200, 429]

    proxied = TestClient(app_with("2/minute", num_proxies=1), client=("10.0.0.1", 1000))
    # Behind one proxy the client is the hop it appended; what the client wrote is ignored.
    assert [
        proxied.get(URL, headers={"X-Forwarded-For": f"203.0.113.{i}, 198.51.100.1"}).status_code
        for i in range(3)
    ] == [200, 200, 429]
    assert statuses(proxied, 2, **{"X-Forwarded-For": "198.51.100.2"}) == [200, 200]


def test_the_limit_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # A slow rate (one token per 30 s), so a slow machine cannot refill the
    # bucket between the five requests: the burst of 4 is what is checked.
    monkeypatch.setenv("QUERY_RATE_LIMIT", "2/minute")
    monkeypatch.setenv("QUERY_RATE_BURST", "4")
    assert statuses(TestClient(create_app(dsn="")), 5) == [200, 200, 200, 200, 429]


@pytest.mark.parametrize(
    ("text", "burst", "expected"),
    [
        ("", None, None),
        ("0", None, None),
        ("off", None, None),
        ("100/second", None, RateLimit(rate=100.0, burst=100.0)),
        ("60/minute", None, RateLimit(rate=1.0, burst=60.0)),
        ("3600/hour", "10", RateLimit(rate=1.0, burst=10.0)),
        ("5/s", None, RateLimit(rate=5.0, burst=5.0)),
    ],
)
def test_parse(text: str, burst: str | None, expected: RateLimit | None) -> None:
    assert RateLimit.parse(text, burst) == expected


@pytest.mark.parametrize(("text", "burst"), [("fast", None), ("10/fortnight", None), ("5", "0")])
def test_parse_refuses_nonsense(text: str, burst: str | None) -> None:
    with pytest.raises(ValueError, match="QUERY_RATE"):
        RateLimit.parse(text, burst)
