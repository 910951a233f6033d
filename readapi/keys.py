"""The vocabulary of dependency keys: what a cached answer depends on, what a change touched.

The database announces the keys a transaction changed (``read.announce`` in
``trainers/sql/current/announce.sql``), on channel ``read_keys`` at commit and in the
writer's session for its own process. The same keys go to shared caches as surrogate
keys.

- ``t:<uuid>``: one trainer's public profile document;
- ``lists``: pages of trainers without ``q``: who is in them, in which order, and
  what their items show (a bio edit does not touch it);
- ``search``: pages with ``q``: all of the above plus the searchable text (bio);
- ``facets``: the branch and specialty lists (names, counts) and the slug map;
- ``timetable``: the weekly classes of public trainers (``read.class``);
- ``*``: everything (a rebuild, a bulk import, a reconnection of the listener).
"""

from __future__ import annotations

from uuid import UUID

CHANNEL = "read_keys"
LISTS = "lists"
SEARCH = "search"
FACETS = "facets"
TIMETABLE = "timetable"
ALL = "*"


def trainer(id_: UUID | str) -> str:
    return f"t:{id_}"


def parse(payload: str) -> frozenset[str]:
    """The keys of an announcement; anything unexpected counts as "everything changed"."""
    keys = frozenset(payload.split())
    if not keys or any(not _known(key) for key in keys):
        return frozenset({ALL})
    return keys


def _known(key: str) -> bool:
    if key in (LISTS, SEARCH, FACETS, TIMETABLE, ALL):
        return True
    if not key.startswith("t:"):
        return False
    try:
        UUID(key[2:])
    except ValueError:
        return False
    return True
