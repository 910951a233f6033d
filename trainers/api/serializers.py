"""What the command API renders (outputs), the strict base of its inputs, and the error body."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.db import connection
from django.utils import timezone
from rest_framework import serializers

from trainers.models import Branch, Certification, GymClass, Specialty, Trainer

UNKNOWN_FIELD = "Unknown field."
NOTHING_TO_CHANGE = "Send at least one field to change."


class StrictInput(serializers.Serializer[Any]):
    """Refuses fields it does not know: a misspelt field must not be silently ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(str(name) for name in data if name not in self.fields)
            if unknown:
                raise serializers.ValidationError({name: [UNKNOWN_FIELD] for name in unknown})
        return super().to_internal_value(data)


class PatchInput(StrictInput):
    """A partial change: every field optional, at least one present."""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError(NOTHING_TO_CHANGE)
        return attrs


# Outputs ------------------------------------------------------------------------------------


class CertificationOutput(serializers.ModelSerializer[Certification]):
    class Meta:
        model = Certification
        fields = ["id", "name", "issuer", "issued_on", "expires_on"]
        read_only_fields = fields


class CertificationChangeOutput(CertificationOutput):
    trainer = serializers.UUIDField(source="trainer_id", read_only=True)
    trainer_version = serializers.IntegerField(source="trainer.version", read_only=True)

    class Meta(CertificationOutput.Meta):
        fields = [*CertificationOutput.Meta.fields, "trainer", "trainer_version"]
        read_only_fields = fields


class TrainerOutput(serializers.ModelSerializer[Trainer]):
    branch: serializers.SlugRelatedField[Branch] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    specialties: serializers.SlugRelatedField[Specialty] = serializers.SlugRelatedField(
        slug_field="slug", many=True, read_only=True
    )
    certifications = CertificationOutput(many=True, read_only=True)

    class Meta:
        model = Trainer
        fields = [
            "id",
            "slug",
            "version",
            "status",
            "first_name",
            "last_name",
            "position",
            "shift",
            "hired_on",
            "date_of_birth",
            "email",
            "phone",
            "bio",
            "photo_url",
            "photo",
            "internal_notes",
            "branch",
            "specialties",
            "certifications",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Trainer) -> dict[str, Any]:
        """What DRF's fields above render (``tests/api/test_output.py`` compares the two on
        every kind of trainer), written out: building the serializer's fields from the
        model on every response was about a third of a staff write's CPU in the app
        server, which shares its GIL with the read side (docs/performance.md)."""
        return trainer_document(instance)


def _text(value: Any) -> Any:
    return None if value is None else str(value)


def _date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def _iso(value: str | None) -> date | None:
    """A date as PostgreSQL writes it in JSON (ISO 8601)."""
    return None if value is None else date.fromisoformat(value)


def _datetime(value: datetime | None) -> str | None:
    """DRF's ``DateTimeField``: in the current time zone, ISO 8601, UTC written ``Z``."""
    if value is None:
        return None
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# A trainer's specialties and certifications in their models' orders, and its branch's
# slug: one statement, written out (the ORM compiled three, ~0.25 ms of CPU each, on every
# staff read and write of a trainer; docs/performance.md).
PARTS = """
SELECT (SELECT slug FROM trainers_branch WHERE id = %(branch)s),
       ARRAY(SELECT s.slug FROM trainers_trainer_specialties ts
               JOIN trainers_specialty s ON s.id = ts.specialty_id
              WHERE ts.trainer_id = %(id)s ORDER BY s.name),
       (SELECT json_agg(json_build_array(c.id, c.name, c.issuer, c.issued_on, c.expires_on)
                        ORDER BY c.issued_on DESC, c.name)
          FROM trainers_certification c WHERE c.trainer_id = %(id)s)::text
"""


def trainer_document(trainer: Trainer) -> dict[str, Any]:
    """``TrainerOutput``'s document; specialties, certifications and the branch's slug by
    one statement (or from a prefetch), in their models' order."""
    prefetched = getattr(trainer, "_prefetched_objects_cache", {})
    fields = ("id", "name", "issuer", "issued_on", "expires_on")
    if "specialties" in prefetched and "certifications" in prefetched:
        branch = trainer.branch.slug
        specialties = [s.slug for s in trainer.specialties.all()]
        rows = [tuple(getattr(c, f) for f in fields) for c in trainer.certifications.all()]
    else:
        with connection.cursor() as cursor:
            cursor.execute(PARTS, {"id": trainer.pk, "branch": trainer.branch_id})
            branch, specialties, certifications = cursor.fetchone()
        rows = [
            (id_, name, issuer, _iso(issued_on), _iso(expires_on))
            for id_, name, issuer, issued_on, expires_on in json.loads(certifications or "[]")
        ]
    return {
        "id": str(trainer.id),
        "slug": _text(trainer.slug),
        "version": trainer.version,
        "status": _text(trainer.status),
        "first_name": _text(trainer.first_name),
        "last_name": _text(trainer.last_name),
        "position": _text(trainer.position),
        "shift": _text(trainer.shift),
        "hired_on": _date(trainer.hired_on),
        "date_of_birth": _date(trainer.date_of_birth),
        "email": _text(trainer.email),
        "phone": _text(trainer.phone),
        "bio": _text(trainer.bio),
        "photo_url": _text(trainer.photo_url),
        "photo": trainer.photo,
        "internal_notes": _text(trainer.internal_notes),
        "branch": branch,
        "specialties": specialties,
        "certifications": [
            {
                "id": id_,
                "name": _text(name),
                "issuer": _text(issuer),
                "issued_on": _date(issued_on),
                "expires_on": _date(expires_on),
            }
            for id_, name, issuer, issued_on, expires_on in rows
        ],
        "created_at": _datetime(trainer.created_at),
        "updated_at": _datetime(trainer.updated_at),
    }


class GymClassOutput(serializers.ModelSerializer[GymClass]):
    branch: serializers.SlugRelatedField[Branch] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    trainer = serializers.UUIDField(source="trainer_id", read_only=True)

    class Meta:
        model = GymClass
        fields = [
            "id",
            "version",
            "title",
            "branch",
            "trainer",
            "weekday",
            "start_time",
            "duration_minutes",
            "capacity",
        ]
        read_only_fields = fields


class BranchOutput(serializers.ModelSerializer[Branch]):
    class Meta:
        model = Branch
        fields = ["slug", "version", "name", "city", "timezone"]
        read_only_fields = fields


class SpecialtyOutput(serializers.ModelSerializer[Specialty]):
    class Meta:
        model = Specialty
        fields = ["slug", "version", "name", "description"]
        read_only_fields = fields


class TokenOutput(serializers.Serializer[Any]):
    token = serializers.CharField(read_only=True)
    expires_at = serializers.DateTimeField(
        read_only=True, help_text="After this the token is refused; POST again for a new one."
    )


# Errors (documentation only: errors.py builds the body) -------------------------------------


class FieldErrorOutput(serializers.Serializer[Any]):
    field = serializers.CharField(help_text='Dotted path, e.g. "specialties[1]".')
    message = serializers.CharField()


class ProblemOutput(serializers.Serializer[Any]):
    """RFC 9457 problem details."""

    type = serializers.CharField(default="about:blank")
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField(required=False)
    code = serializers.CharField(help_text="Machine-readable kind of error.")
    # Shadows Serializer.errors on purpose: the field is named by RFC 9457 usage, and this
    # serializer is never validated.
    errors = FieldErrorOutput(many=True, required=False)  # type: ignore[assignment]
