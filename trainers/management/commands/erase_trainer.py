"""``manage.py erase_trainer ID``: delete a trainer and erase their personal data."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.management.base import BaseCommand, CommandError, CommandParser

from trainers.commands import TrainerErase
from trainers.cqrs import Actor
from trainers.errors import DomainError
from trainers.handlers import trainer_erase
from trainers.management.commands.rebuild_read_model import _os_user


class Command(BaseCommand):
    help = (
        "Delete a trainer and erase their personal data from the event log, the idempotency "
        "records and the admin's history (docs/security.md, 'Erasure'). Cannot be undone."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("trainer_id", help="the trainer's id (a UUID)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            trainer_id = UUID(options["trainer_id"])
        except ValueError as exc:
            raise CommandError(f"{options['trainer_id']!r} is not a trainer id (a UUID).") from exc
        actor = Actor(user_id=None, name=f"manage.py ({_os_user()})")
        try:
            counts = trainer_erase(TrainerErase(trainer_id=trainer_id), actor=actor)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if options["verbosity"]:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Erased trainer {trainer_id}: {counts['events_scrubbed']} events scrubbed, "
                    f"{counts['idempotency_records_deleted']} idempotency records deleted, "
                    f"{counts['admin_log_entries_scrubbed']} admin log entries scrubbed."
                )
            )
