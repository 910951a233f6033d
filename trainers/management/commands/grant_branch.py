"""Limit a staff user to a branch (a branch manager), or lift that limit.

    manage.py grant_branch USER BRANCH_SLUG            # USER now sees and changes BRANCH
    manage.py grant_branch USER BRANCH_SLUG --revoke

A user with no grant may change every branch; one with grants only theirs.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from trainers.models import Branch, BranchGrant


class Command(BaseCommand):
    help = "Limit a staff user to a branch (or --revoke that grant)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("user", help="the username")
        parser.add_argument("branch", help="the branch's slug")
        parser.add_argument("--revoke", action="store_true", help="remove the grant")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(f"No user {options['user']!r}.")
        branch = Branch.objects.filter(slug=options["branch"]).first()
        if branch is None:
            raise CommandError(f"No branch {options['branch']!r}.")
        if options["revoke"]:
            BranchGrant.objects.filter(user=user, branch=branch).delete()
        else:
            BranchGrant.objects.get_or_create(user=user, branch=branch)
        granted = list(BranchGrant.objects.filter(user=user).values_list("branch__name", flat=True))
        limit = ", ".join(granted) if granted else "every branch (no limit)"
        self.stdout.write(f"{user.get_username()} may change: {limit}")
