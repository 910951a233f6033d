"""The one ASGI application: ``/query/...`` and the public pages to FastAPI, the rest to Django.

Django loads first (settings, apps), then the read side is built with a DSN
resolved at startup, so a test database chosen by pytest-django is honoured.
Lifespan goes to the FastAPI app alone: Django's ASGI handler rejects it.
"""

from __future__ import annotations

import asyncio
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_app = get_asgi_application()

from django.conf import settings  # noqa: E402
from starlette.types import Message, Receive, Scope, Send  # noqa: E402  (Django loads first)

from config import gctune, readcache  # noqa: E402
from config.dsn import read_dsn, write_dsn  # noqa: E402
from config.hosts import HostGuard  # noqa: E402
from config.jobs import PeriodicJobs  # noqa: E402
from config.limits import KnownLength, chunked  # noqa: E402
from config.observability import metrics  # noqa: E402
from config.observability.middleware import ObservabilityMiddleware  # noqa: E402
from readapi.app import create_app  # noqa: E402
from readapi.pages import routes as pages  # noqa: E402
from trainers.photos.media import MediaFiles  # noqa: E402

replica = bool(settings.READ_DATABASE_URL)
query_app = create_app(dsn=read_dsn, listen_dsn=write_dsn, replica=replica)
# Commits made by this process evict what they changed from the response cache at once.
readcache.install(query_app.state.cache, fence=replica)

metrics_endpoint = metrics.MetricsEndpoint(query_app, write_dsn)
# Django checks Host and the scheme on its own paths; these two never pass through it.
# An HTTP request goes straight to the query app's front (QueryApp.__call__ would only
# pass it on: one coroutine frame less on every suspension of every read).
query_front = query_app.front
guarded_query_app = HostGuard(query_app)
guarded_metrics = HostGuard(metrics_endpoint)

# Local photo storage: renditions served before Django (trainers/photos/media.py).
MEDIA_PREFIX = settings.MEDIA_URL if settings.MEDIA_URL.startswith("/") else ""
guarded_media = HostGuard(MediaFiles(MEDIA_PREFIX))

QUERY_PREFIX = "/query"


def scheduler_in_app() -> bool:
    """Scheduled status changes run inside each app process unless SCHEDULER_IN_APP=0 (a
    separate ``manage.py run_scheduler``); any number of them run each change once."""
    return os.environ.get("SCHEDULER_IN_APP", "1").strip().lower() not in {"0", "false", "off"}


async def lifespan(scope: Scope, receive: Receive, send: Send) -> None:
    """The query app's lifespan, and the scheduler's thread for as long as it runs."""
    if not scheduler_in_app():
        await query_app(scope, receive, send)
        return
    from trainers.scheduler import BackgroundScheduler

    scheduler = BackgroundScheduler()

    async def stop() -> None:
        if scheduler.thread.is_alive():
            await asyncio.to_thread(scheduler.stop)

    async def send_and_run(message: Message) -> None:
        if message["type"] == "lifespan.startup.complete":
            scheduler.start()
        elif message["type"].startswith("lifespan.shutdown."):
            # Before the server hears that shutdown is complete: it then exits at once
            # (re-raising the signal), and would cancel a stop still under way.
            await stop()
        await send(message)

    try:
        await query_app(scope, receive, send_and_run)
    finally:
        await stop()


async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await periodic_jobs(scope, receive, send)
        return
    if scope["type"] == "http" and scope["method"] not in SAFE and chunked(scope):
        # Read whole and counted first (config/limits.py), then back here with its length.
        await known_length(scope, receive, send)
        return
    path: str = scope.get("path", "")
    if (
        path.startswith(QUERY_PREFIX + "/")
        or path == QUERY_PREFIX
        # The public pages (readapi/pages/routes.py).
        or path in pages.PATHS
        or path.startswith(pages.PREFIXES)
    ):
        if scope["type"] == "http":
            if not await guarded_query_app.refused(scope, send):
                await query_front(scope, receive, send)
        else:
            await guarded_query_app(scope, receive, send)
    elif path == metrics.PATH:
        await guarded_metrics(scope, receive, send)
    elif MEDIA_PREFIX and path.startswith(MEDIA_PREFIX) and scope["type"] == "http":
        await guarded_media(scope, receive, send)
    else:
        await django_app(scope, receive, send)  # type: ignore[arg-type]


# The retention prune runs periodically in one process (config/jobs.py), started and
# stopped with the lifespan, which it passes on to the query app's (and the scheduler).
periodic_jobs = PeriodicJobs(lifespan, write_dsn)
known_length = KnownLength(dispatch)
SAFE = frozenset({"GET", "HEAD"})
# Request ids, metrics and access logs for every request, Django's and FastAPI's alike.
# Each layer here is a frame on every request's await chain: the composition keeps
# them few (docs/performance.md).
application = ObservabilityMiddleware(dispatch, access_log=settings.ACCESS_LOG)
# Last: everything above is long-lived; the collector leaves it alone (config/gctune.py).
gctune.tune()
