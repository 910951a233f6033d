"""A small server-sent events reader over an httpx stream, for the feed tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Event:
    id: str | None = None
    event: str = "message"
    data: str = ""
    comments: list[str] = field(default_factory=list)

    def json(self) -> Any:
        return json.loads(self.data)


class EventReader:
    """Yields events and comment-only blocks (keep-alives) in the order they arrive."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines: Iterator[str] = response.iter_lines()

    def next(self) -> Event:
        current = Event()
        data: list[str] = []
        seen = False
        for line in self._lines:
            if line == "":
                if seen:
                    current.data = "\n".join(data)
                    return current
                continue
            seen = True
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                current.comments.append(value)
            elif name == "id":
                current.id = value
            elif name == "event":
                current.event = value
            elif name == "data":
                data.append(value)
        raise EOFError("the stream ended")

    def changes(self, count: int) -> list[Event]:
        """The next ``count`` change events, skipping keep-alives."""
        found: list[Event] = []
        while len(found) < count:
            event = self.next()
            if event.event == "message" and event.id is not None:
                found.append(event)
        return found
