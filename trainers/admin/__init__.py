"""Django admin for staff: every save, delete and action goes through the command handlers."""

from trainers.admin import catalog, event, gym_class, others, trainer

__all__ = ["catalog", "event", "gym_class", "others", "trainer"]
