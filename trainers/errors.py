"""Named business errors. Each adapter maps them to its medium in one place."""

from __future__ import annotations

NOT_FOUND = "{entity} {key} does not exist."
VERSION_CONFLICT = (
    "{entity} {key} was changed by someone else (version {actual}, you sent {expected}); "
    "reload it and try again."
)
TRANSITION_NOT_ALLOWED = "A {current} trainer cannot be {action}."
ALREADY_EXISTS = "A {entity} with this {field} already exists."
CERTIFICATION_DATES = "The expiry date must be after the issue date."
BORN_BEFORE_HIRED = "The date of birth must be before the hiring date."
BORN_IN_FUTURE = "The date of birth cannot be in the future."
TOO_YOUNG = "A trainer must be at least {years} years old: check the date of birth."
TOO_OLD = "A trainer cannot be over {years} years old: check the date of birth."
CLASS_DURATION = "A class lasts from 1 to 600 minutes."
CLASS_CAPACITY = "A class needs room for at least one person."
CLASS_OVERLAP = "{trainer} already teaches {title} on {weekday} at {start}, which overlaps."
NO_SUCH_VERSION = "Choose a version from 1 to {latest}."
NOTHING_TO_RESTORE = "The profile is already as it was at version {version}."
OUTSIDE_BRANCHES = "You may change only the trainers and classes of {branches}."
UNKNOWN_REFERENCE = "Unknown {entity}: {key}."
ALREADY_HAS_SPECIALTY = "{trainer} already has the specialty {specialty}."
PHOTO_NOT_IMAGE = "The photo is not an image Pillow can read (send a JPEG, PNG or WebP file)."
PHOTO_FORMAT = "{format} photos are not accepted; send a JPEG, PNG or WebP file."
PHOTO_TOO_LARGE = "The photo is larger than {limit} bytes."
PHOTO_TOO_MANY_PIXELS = "The photo is {width}x{height} pixels; the limit is {limit} pixels."
PHOTO_ANIMATED = "The photo is animated; send a still image."
PHOTO_TRUNCATED = "The photo file is damaged or incomplete."
PHOTO_NOT_SHARED = "An imported photo must be a stored, shared photo (a demo avatar)."


class DomainError(Exception):
    """Base of every error a command handler raises on purpose."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    @property
    def errors(self) -> dict[str, list[str]]:
        return {self.field: [self.message]} if self.field else {}


class NotFound(DomainError):
    code = "not_found"

    def __init__(self, entity: str, key: object) -> None:
        super().__init__(NOT_FOUND.format(entity=entity, key=key))
        self.entity = entity
        self.key = key


class VersionConflict(DomainError):
    code = "version_conflict"

    def __init__(self, entity: str, key: object, *, expected: int, actual: int) -> None:
        super().__init__(
            VERSION_CONFLICT.format(entity=entity, key=key, expected=expected, actual=actual)
        )
        self.entity = entity
        self.expected = expected
        self.actual = actual


class RuleViolation(DomainError):
    """A business rule forbids the command (a bad transition, an overlap, a duplicate)."""

    code = "rule_violation"


class PhotoTooLarge(DomainError):
    """An upload over the size limit (413 in the command API)."""

    code = "too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(PHOTO_TOO_LARGE.format(limit=limit), field="photo")
        self.limit = limit


class OutsideYourBranches(DomainError):
    """The actor is limited to some branches, and the command touches another one."""

    code = "forbidden"


class InvalidInput(DomainError):
    """One or more fields are invalid; ``errors`` maps each field to its messages."""

    code = "invalid"

    def __init__(self, errors: dict[str, list[str]]) -> None:
        first = next(iter(errors.items()), ("", ["Invalid input."]))
        super().__init__(first[1][0], field=first[0] or None)
        self._errors = errors

    @property
    def errors(self) -> dict[str, list[str]]:
        return self._errors
