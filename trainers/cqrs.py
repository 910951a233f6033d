"""The reference book's ``ICommandHandler``, made real (``IQueryHandler`` lives in readapi).

A command handler is anything callable with one command: a plain function
satisfies the protocol. It also receives the acting ``Actor``, so that every
accepted command is attributed in the event log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

C_contra = TypeVar("C_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)


@dataclass(frozen=True, slots=True)
class Actor:
    """Who issued a command: a staff user, or the system (management commands)."""

    user_id: int | None
    name: str

    @classmethod
    def of(cls, user: Any) -> Actor:
        if user is None or not getattr(user, "is_authenticated", False):
            return SYSTEM
        return cls(user_id=user.pk, name=user.get_username())


SYSTEM = Actor(user_id=None, name="system")


class CommandHandler(Protocol[C_contra, R_co]):
    def __call__(self, command: C_contra, /, *, actor: Actor = ...) -> R_co: ...
