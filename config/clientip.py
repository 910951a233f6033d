"""Who the client is: one trusted-proxy setting for every part that needs an address.

``NUM_PROXIES`` (default 0) is how many reverse proxies stand in front of the app,
each appending the address it saw to ``X-Forwarded-For``. The client is then the
address the outermost trusted proxy appended: the ``NUM_PROXIES``-th from the right.
Anything further left was written by the client and is ignored, so a client cannot
pick a fresh address per request. With 0 the TCP peer is the client.

Shared by DRF's throttles (``REST_FRAMEWORK["NUM_PROXIES"]``, the same rule), the
login lockout (django-axes), the query side's rate limit, ``/readyz`` and the access
log. Django-free, so that the query side may import it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def num_proxies_from_env() -> int:
    raw = os.environ.get("NUM_PROXIES", "").strip() or "0"
    try:
        count = int(raw)
    except ValueError as exc:
        raise ValueError(f"NUM_PROXIES must be a whole number, not {raw!r}") from exc
    if not 0 <= count <= 10:
        raise ValueError(f"NUM_PROXIES must be between 0 and 10, not {count}")
    return count


NUM_PROXIES = num_proxies_from_env()


def client_address(peer: str, forwarded_for: str | None, proxies: int | None = None) -> str:
    """The client's address: the peer, or the hop the outermost trusted proxy appended."""
    proxies = NUM_PROXIES if proxies is None else proxies
    if proxies <= 0 or not forwarded_for:
        return peer
    # Exactly DRF's rule (SimpleRateThrottle.get_ident), so that every part agrees.
    hops = forwarded_for.split(",")
    return hops[-min(proxies, len(hops))].strip()


def from_scope(scope: Mapping[str, object], proxies: int | None = None) -> str:
    """The client of an ASGI request."""
    proxies = NUM_PROXIES if proxies is None else proxies
    client = scope.get("client")
    peer = str(client[0]) if isinstance(client, (tuple, list)) and client else ""
    forwarded = None
    if proxies > 0:
        headers: Iterable[tuple[bytes, bytes]] = scope.get("headers", ())  # type: ignore[assignment]
        values = [value.decode("latin-1") for name, value in headers if name == b"x-forwarded-for"]
        forwarded = ",".join(values) or None
    return client_address(peer, forwarded, proxies)


def from_meta(meta: Mapping[str, object], proxies: int | None = None) -> str:
    """The client of a Django request, from ``request.META``."""
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    return client_address(
        str(meta.get("REMOTE_ADDR") or ""),
        forwarded if isinstance(forwarded, str) else None,
        proxies,
    )


def from_request(request: object) -> str:
    """The client of a Django or DRF request (django-axes' ``AXES_CLIENT_IP_CALLABLE``)."""
    meta = getattr(request, "META", {})
    return from_meta(meta if isinstance(meta, Mapping) else {})
