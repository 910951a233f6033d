"""Branch managers: a staff user with branch grants (``BranchGrant``) sees and changes only
those branches' trainers and classes. The handlers enforce it (``ensure_branches``); the
adapters only narrow what they list (``branch_scope``)."""

from __future__ import annotations

from collections.abc import Iterable

from trainers import errors
from trainers.cqrs import Actor
from trainers.models import Branch, BranchGrant


def branch_scope(user_id: int | None) -> frozenset[int] | None:
    """The branch ids a user may see and change; None for every branch (no grants, or the
    system)."""
    if user_id is None:
        return None
    granted = frozenset(
        BranchGrant.objects.filter(user_id=user_id).values_list("branch_id", flat=True)
    )
    return granted or None


def ensure_branches(actor: Actor, branch_ids: Iterable[int]) -> None:
    """Refuse (``OutsideYourBranches``) a command that touches a branch outside the actor's."""
    scope = branch_scope(actor.user_id)
    if scope is None or set(branch_ids) <= scope:
        return
    names = ", ".join(Branch.objects.filter(pk__in=scope).values_list("name", flat=True))
    raise errors.OutsideYourBranches(errors.OUTSIDE_BRANCHES.format(branches=names), field="branch")
