"""A per-client token bucket on ``/query/``: 429 problem details with ``Retry-After``.

In-process: each worker keeps its own buckets, so with N workers a client may
get up to N times the rate. That bounds abuse of one process cheaply; a shared
limit belongs in the proxy in front.

``QUERY_RATE_LIMIT``: ``"100/second"`` (also ``minute``, ``hour``); empty or
``0`` turns it off. ``QUERY_RATE_BURST``: the bucket's size (default: the
rate's count). The client is found as everywhere else: ``NUM_PROXIES`` trusted
proxies in front (config/clientip.py), the TCP peer when 0.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from config import clientip
from config.problems import CONTENT_TYPE, problem
from readapi.json import dumps

PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0}
# Buckets kept before idle (full) ones are dropped, so that many addresses cannot grow memory.
MAX_CLIENTS = 10_000


@dataclass(frozen=True, slots=True)
class RateLimit:
    rate: float  # tokens per second
    burst: float  # bucket size

    @classmethod
    def parse(cls, text: str, burst: str | None = None) -> RateLimit | None:
        """``"100/second"`` (and an optional burst); None when off (empty or 0)."""
        text = text.strip().lower()
        if text in {"", "0", "off"}:
            return None
        count, _, period = text.partition("/")
        try:
            n = float(count)
            seconds = PERIODS[period.strip().rstrip("s") or "second"]
            size = float(burst) if burst else n
        except (KeyError, ValueError) as exc:
            raise ValueError(f"QUERY_RATE_LIMIT must look like '100/second', not {text!r}") from exc
        if n <= 0:
            return None
        if size < 1:
            raise ValueError("QUERY_RATE_BURST must be at least 1")
        return cls(rate=n / seconds, burst=size)

    @classmethod
    def from_env(cls) -> RateLimit | None:
        return cls.parse(
            os.environ.get("QUERY_RATE_LIMIT", ""), os.environ.get("QUERY_RATE_BURST") or None
        )


class RateLimitMiddleware:
    """Pure ASGI (no per-request objects): a dict lookup and some arithmetic per request."""

    def __init__(
        self, app: ASGIApp, *, limit: RateLimit, proxies: int = clientip.NUM_PROXIES
    ) -> None:
        self.app = app
        self.rate = limit.rate
        self.burst = limit.burst
        self.proxies = proxies
        # client -> (tokens left, time of the last refill)
        self.buckets: dict[str, tuple[float, float]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        now = time.monotonic()
        key = clientip.from_scope(scope, self.proxies)
        tokens, last = self.buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens < 1.0:
            self.buckets[key] = (tokens, now)
            await self.refuse(send, math.ceil((1.0 - tokens) / self.rate))
            return
        if len(self.buckets) >= MAX_CLIENTS and key not in self.buckets:
            self.prune(now)
        self.buckets[key] = (tokens - 1.0, now)
        await self.app(scope, receive, send)

    def prune(self, now: float) -> None:
        """Forget clients whose bucket has refilled: they are indistinguishable from new ones."""
        full = [
            k for k, (t, last) in self.buckets.items() if t + (now - last) * self.rate >= self.burst
        ]
        for k in full:
            del self.buckets[k]
        if len(self.buckets) >= MAX_CLIENTS:  # all busy: drop the oldest half
            for k in list(self.buckets)[: MAX_CLIENTS // 2]:
                del self.buckets[k]

    async def refuse(self, send: Send, retry_after: int) -> None:
        body = dumps(problem(429, "Too many requests; slow down.", code="throttled"))
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", CONTENT_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(max(1, retry_after)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
