"""What the command API renders (outputs), the strict base of its inputs, and the error body."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
