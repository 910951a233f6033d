from django.apps import AppConfig


class TrainersConfig(AppConfig):
    name = "trainers"
    verbose_name = "Trainer profiles"
    default_auto_field = "django.db.models.BigAutoField"
