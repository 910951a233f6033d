"""``manage.py seed_demo``: demo branches, specialties and trainers, through the handlers."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from trainers import demo
from trainers.handlers import branch_create, specialty_create, trainer_import
from trainers.models import Trainer
from trainers.photos import avatars
from trainers.selectors import branch_list, specialty_list


class Command(BaseCommand):
    help = "Load realistic demo data: branches, specialties, trainers with classes."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--trainers", type=int, default=200, help="how many trainers to add")
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when trainers already exist"
        )
        parser.add_argument("--seed", type=int, default=None, help="seed for repeatable data")
        parser.add_argument(
            "--batch", type=int, default=2000, help="trainers per transaction (default 2000)"
        )
        parser.add_argument(
            "--no-photos",
            action="store_true",
            help="no avatars (by default a few are drawn, stored and shared by the trainers)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count, batch, verbosity = options["trainers"], options["batch"], options["verbosity"]
        if count < 0 or batch < 1:
            self.stderr.write("--trainers must be >= 0 and --batch >= 1.")
            sys.exit(2)
        if options["if_empty"] and Trainer.objects.exists():
            if verbosity:
                self.stdout.write("Trainers already exist; nothing to seed.")
            return

        branches = {branch.slug for branch in branch_list()}
        for branch in demo.branch_commands():
            if branch.slug not in branches:
                branch_create(branch)
        specialties = {specialty.slug for specialty in specialty_list()}
        for specialty in demo.specialty_commands():
            if specialty.slug not in specialties:
                specialty_create(specialty)

        generator = demo.DemoTrainers(
            seed=options["seed"],
            taken_emails=set(Trainer.objects.values_list("email", flat=True)),
            avatars=[] if options["no_photos"] else avatars.demo_avatars(),
        )
        show = verbosity > 0 and sys.stderr.isatty()
        with tqdm(total=count, unit="trainer", disable=not show) as progress:
            for command in demo.prefetched(generator.batches(count, batch)):
                trainer_import(command)
                progress.update(len(command.trainers))
        if verbosity:
            self.stdout.write(self.style.SUCCESS(f"Seeded {count} demo trainers."))
