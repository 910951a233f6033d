"""``manage.py cdn_purger``: purge the edges by key, as a process of its own.

The app purges too when ``CDN_PURGE_URLS`` is set; one process purges at a time
(an advisory lock), so running this beside the app adds a standby, not duplicates.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from config.dsn import read_dsn, write_dsn
from readapi.feed import ChangeNotifier
from readapi.purge import Purger, urls_from_env


class Command(BaseCommand):
    help = "Purge shared caches (CDN_PURGE_URLS) by key as the database announces changes."

    def handle(self, *args: Any, **options: Any) -> None:
        urls = urls_from_env()
        if not urls:
            raise CommandError("Set CDN_PURGE_URLS to the edges' base URLs, comma-separated.")
        asyncio.run(self.run(urls))

    async def run(self, urls: list[str]) -> None:
        replica = bool(settings.READ_DATABASE_URL)
        notifier = ChangeNotifier(write_dsn, fence=replica)
        purger = Purger(urls, write_dsn, replica_dsn=read_dsn if replica else None)
        notifier.subscribe(purger.announce)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        purger.start()
        notifier.start()
        self.stdout.write(f"purging {', '.join(urls)} (standby until this process leads)")
        try:
            await stop.wait()
        finally:
            await notifier.stop()
            await purger.stop()
