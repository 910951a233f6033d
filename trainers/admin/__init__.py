"""Django admin for staff: every save, delete and action goes through the command handlers."""

from trainers.admin import access, catalog, event, gym_class, others, schedule, trainer

__all__ = ["access", "catalog", "event", "gym_class", "others", "schedule", "trainer"]
