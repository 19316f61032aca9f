from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations"

    def ready(self):
        from .services import migrate, power  # noqa: F401  (each registers its timed operations)
