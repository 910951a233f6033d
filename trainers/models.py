"""The write model: normalized, owned by Django, changed only by command handlers."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from trainers import errors
from trainers.rules import constraint_problems

# A trainer's plausible age, in whole years, on the day a date of birth is entered.
YOUNGEST, OLDEST = 16, 100


def plausible_birth_date(value: date) -> None:
    """Not in the future, and an age a trainer can have (a field rule: every writer runs it)."""
    today = date.today()
    if value > today:
        raise ValidationError(errors.BORN_IN_FUTURE, code="born_in_future")
    age = _whole_years(value, today)
    if age < YOUNGEST:
        raise ValidationError(errors.TOO_YOUNG.format(years=YOUNGEST), code="too_young")
    if age > OLDEST:
        raise ValidationError(errors.TOO_OLD.format(years=OLDEST), code="too_old")


class PlainConstraints(models.Model):
    """A broken check constraint is reported beside its field, in the handlers' words
    (``rules.CONSTRAINT_ERRORS``), wherever Django validates a model (admin forms included),
    not as 'Constraint "…" is violated.' above the form."""

    class Meta:
        abstract = True

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        if problems := constraint_problems(self, exclude or ()):
            raise ValidationError(problems)


class Branch(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120)
    city = models.CharField(max_length=120)
    timezone = models.CharField(max_length=64, default="UTC")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "branches"

    def __str__(self) -> str:
        return self.name


class Specialty(models.Model):
    slug = models.SlugField(max_length=80, unique=True)
    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "specialties"

    def __str__(self) -> str:
        return self.name


class Position(models.TextChoices):
    HEAD_COACH = "head_coach", "Head coach"
    SENIOR_TRAINER = "senior_trainer", "Senior trainer"
    TRAINER = "trainer", "Trainer"
    ASSISTANT = "assistant", "Assistant"


class Shift(models.TextChoices):
    MORNING = "morning", "Morning"
    AFTERNOON = "afternoon", "Afternoon"
    EVENING = "evening", "Evening"
    NIGHT = "night", "Night"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    ON_LEAVE = "on_leave", "On leave"
    RETIRED = "retired", "Retired"


PUBLIC_STATUSES = (Status.PUBLISHED, Status.ON_LEAVE)


class Trainer(PlainConstraints):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    slug = models.SlugField(max_length=120, unique=True)
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    position = models.CharField(max_length=20, choices=Position.choices, default=Position.TRAINER)
    shift = models.CharField(max_length=20, choices=Shift.choices, default=Shift.MORNING)
    hired_on = models.DateField()
    date_of_birth = models.DateField(null=True, blank=True, validators=[plausible_birth_date])
    email = models.EmailField(max_length=254, unique=True)
    phone = models.CharField(max_length=32, blank=True)
    bio = models.TextField(blank=True, max_length=4000)
    photo_url = models.URLField(max_length=500, blank=True)
    # The uploaded photo's renditions (trainers/photos/files.py, ``photo_document``).
    photo = models.JSONField(null=True, blank=True, editable=False)
    internal_notes = models.TextField(blank=True)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="trainers")
    specialties = models.ManyToManyField(Specialty, related_name="trainers", blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in Status]), name="trainer_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(position__in=[p.value for p in Position]), name="trainer_position_valid"
            ),
            models.CheckConstraint(
                condition=Q(shift__in=[s.value for s in Shift]), name="trainer_shift_valid"
            ),
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=True) | Q(date_of_birth__lt=F("hired_on")),
                name="trainer_born_before_hired",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="trainer_version_positive"),
        ]
        indexes = [models.Index(fields=["status", "branch"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    def tenure_years(self, today: date | None = None) -> int:
        return _whole_years(self.hired_on, today or date.today())

    def age(self, today: date | None = None) -> int | None:
        if self.date_of_birth is None:
            return None
        return _whole_years(self.date_of_birth, today or date.today())


def _whole_years(start: date, today: date) -> int:
    years = today.year - start.year - ((today.month, today.day) < (start.month, start.day))
    return max(years, 0)


class Certification(PlainConstraints):
    trainer = models.ForeignKey(Trainer, on_delete=models.CASCADE, related_name="certifications")
    name = models.CharField(max_length=160)
    issuer = models.CharField(max_length=160)
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issued_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=F("issued_on")),
                name="certification_expires_after_issued",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.issuer})"


class FormerSlug(models.Model):
    """A slug a trainer had and nobody holds now: its address still leads to the trainer.

    Kept by the database, not by handlers (``trainers/sql/current/slugs.sql``): when a
    trainer's slug changes the old one lands here, and a slug taken as current leaves,
    whoever writes the row. So a slug is current for one trainer or former for at most one.
    """

    slug = models.SlugField(max_length=120, primary_key=True)
    trainer = models.ForeignKey(Trainer, on_delete=models.CASCADE, related_name="former_slugs")
    retired_at = models.DateTimeField()

    class Meta:
        ordering = ["-retired_at"]

    def __str__(self) -> str:
        return self.slug


class Weekday(models.IntegerChoices):
    MONDAY = 1, "Monday"
    TUESDAY = 2, "Tuesday"
    WEDNESDAY = 3, "Wednesday"
    THURSDAY = 4, "Thursday"
    FRIDAY = 5, "Friday"
    SATURDAY = 6, "Saturday"
    SUNDAY = 7, "Sunday"


class GymClass(PlainConstraints):
    title = models.CharField(max_length=120)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="classes")
    trainer = models.ForeignKey(Trainer, on_delete=models.CASCADE, related_name="classes")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    duration_minutes = models.PositiveSmallIntegerField()
    capacity = models.PositiveSmallIntegerField()
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["weekday", "start_time"]
        verbose_name = "gym class"
        verbose_name_plural = "gym classes"
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=7), name="class_weekday_valid"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gt=0, duration_minutes__lte=600),
                name="class_duration_positive",
            ),
            models.CheckConstraint(condition=Q(capacity__gt=0), name="class_capacity_positive"),
        ]
        indexes = [models.Index(fields=["branch", "weekday", "start_time"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_weekday_display()} {self.start_time:%H:%M})"


class ScheduleAction(models.TextChoices):
    PUBLISH = "publish", "Publish"
    UNPUBLISH = "unpublish", "Unpublish"
    LEAVE = "leave", "Put on leave"
    RETURN = "return", "Back from leave"
    RETIRE = "retire", "Retire"


class ScheduleState(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class ScheduledChange(models.Model):
    """A status change to run at a time: as a normal command, once, by the scheduler."""

    Action = ScheduleAction
    State = ScheduleState

    trainer = models.ForeignKey(Trainer, on_delete=models.CASCADE, related_name="scheduled")
    action = models.CharField(max_length=20, choices=ScheduleAction.choices)
    run_at = models.DateTimeField()
    state = models.CharField(
        max_length=20, choices=ScheduleState.choices, default=ScheduleState.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ran_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["run_at", "id"]
        indexes = [
            models.Index(fields=["run_at"], name="scheduled_due", condition=Q(state="pending")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=[a.value for a in ScheduleAction]),
                name="scheduled_action_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=[s.value for s in ScheduleState]),
                name="scheduled_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.trainer} at {self.run_at:%Y-%m-%d %H:%M}"


class BranchGrant(models.Model):
    """Limits a staff user to some branches: one who has any grant sees and changes only
    the trainers and classes of the granted branches; one without grants, all of them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="branch_grants"
    )
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="grants")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user_id", "branch_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "branch"], name="branch_grant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.branch}"


class Event(models.Model):
    """One row per accepted command: the audit log and the outbox."""

    id = models.BigAutoField(primary_key=True)
    aggregate_type = models.CharField(max_length=40)
    aggregate_id = models.CharField(max_length=64)
    command = models.CharField(max_length=80)
    payload = models.JSONField(default=dict)
    # {field: {"old": ..., "new": ...}} for each field the command changed (JSON values).
    changes = models.JSONField(default=dict, blank=True)
    # The trainer whose history shows this event: the trainer's own, and its classes'.
    trainer_id = models.UUIDField(null=True, blank=True)
    # What the event is about beside the trainer: a certification's or a class's name.
    subject = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    occurred_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["aggregate_type", "aggregate_id", "id"]),
            models.Index(fields=["trainer_id", "id"], name="event_trainer_history"),
        ]

    def __str__(self) -> str:
        return f"{self.command} {self.aggregate_type}:{self.aggregate_id} v{self.version}"


class IdempotencyRecord(models.Model):
    """The first response to a POST sent with an ``Idempotency-Key``, replayed on retries."""

    key = models.CharField(max_length=255)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["actor", "key"], name="idempotency_key_unique_per_actor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"


class ReadModelRun(models.Model):
    """One rebuild or check of the read model: who ran it, when, and what it found."""

    class Kind(models.TextChoices):
        REBUILD = "rebuild", "Rebuild"
        CHECK = "check", "Check"

    class State(models.TextChoices):
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True)
    differences = models.PositiveIntegerField(null=True, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["kind", "-id"])]
        permissions = [
            ("rebuild_read_model", "Can rebuild the read model"),
            ("check_read_model", "Can check the read model"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.state})"
