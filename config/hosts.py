"""Django's ``ALLOWED_HOSTS`` and ``SECURE_SSL_REDIRECT`` for the parts Django does not serve.

``/query/`` (FastAPI) and ``/metrics`` never pass through Django's middleware, so a
forged ``Host`` would reach them (and land in a redirect's ``Location``). This guard
answers them as Django would: 400 problem details for a host not in
``ALLOWED_HOSTS`` (Django's own matching: ``.example.com``, ``*``), and with
``SECURE_SSL_REDIRECT`` a 301 to ``https://`` for a plain-HTTP request. Verdicts are
remembered per Host value (bounded), so the hot path is one dict look-up; the two
settings are read once and again after Django's ``setting_changed`` (tests).
"""

from __future__ import annotations

from django.conf import settings
from django.core.signals import setting_changed
from django.http.request import split_domain_port, validate_host
from starlette.types import ASGIApp, Receive, Scope, Send

from config.problems import CONTENT_TYPE, problem
from readapi.json import dumps

REMEMBERED = 1024
SETTINGS = frozenset({"ALLOWED_HOSTS", "SECURE_SSL_REDIRECT"})


class HostGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.verdicts: dict[bytes, bool] = {}
        self.allowed: list[str] = settings.ALLOWED_HOSTS
        self.redirect: bool = settings.SECURE_SSL_REDIRECT
        setting_changed.connect(self._changed)

    def _changed(self, setting: str, **kwargs: object) -> None:
        if setting in SETTINGS:
            self.verdicts.clear()
            self.allowed = settings.ALLOWED_HOSTS
            self.redirect = settings.SECURE_SSL_REDIRECT

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and await self.refused(scope, send):
            return
        await self.app(scope, receive, send)

    async def refused(self, scope: Scope, send: Send) -> bool:
        """Answer an HTTP request this guard refuses (400) or redirects (301); False when
        it may go on. A caller that routes itself checks with this instead of wrapping an
        app (one coroutine frame less on the request's await chain)."""
        host = b""
        proto = b""
        for name, value in scope["headers"]:
            if name == b"host":
                host = value
            elif name == b"x-forwarded-proto":
                proto = value
        if not self.allows(host):
            await _refuse(send, "The Host header names a host this server does not serve.")
            return True
        if self.redirect and not self.secure(scope, proto):
            await _redirect(send, scope, host)
            return True
        return False

    def allows(self, host: bytes) -> bool:
        verdict = self.verdicts.get(host)
        if verdict is None:
            domain, _ = split_domain_port(host.decode("latin-1"))
            verdict = bool(domain) and validate_host(domain, self.allowed)
            if len(self.verdicts) >= REMEMBERED:
                self.verdicts.clear()
            self.verdicts[host] = verdict
        return verdict

    @staticmethod
    def secure(scope: Scope, proto: bytes) -> bool:
        if scope.get("scheme") == "https":
            return True
        header: tuple[str, str] | None = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
        if not header:
            return False
        return proto.decode("latin-1").split(",")[0].strip() == header[1]


async def _refuse(send: Send, detail: str) -> None:
    body = dumps(problem(400, detail, code="invalid_host"))
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-type", CONTENT_TYPE.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _redirect(send: Send, scope: Scope, host: bytes) -> None:
    location = b"https://" + host + scope.get("raw_path", scope["path"].encode())
    if scope.get("query_string"):
        location += b"?" + scope["query_string"]
    await send(
        {
            "type": "http.response.start",
            "status": 301,
            "headers": [(b"location", location), (b"content-length", b"0")],
        }
    )
    await send({"type": "http.response.body", "body": b""})
