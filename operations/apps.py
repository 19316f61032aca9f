from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "operations"
    verbose_name = "Operations"

    def ready(self):
        # each registers what the runner finds by name: timed operations (Kind), input appliers,
        # agent kinds with their facts and effects
        from .engine import host_commands, monitor  # noqa: F401
        from .services import faults, migrate, monitor as monitor_side, power, scenarios  # noqa: F401
        from .services import host_commands as host_commands_side  # noqa: F401
