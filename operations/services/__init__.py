"""Operations services: recording tasks and events, starting timed operations (power, migrate),
canceling them, and the lab's clock."""

from .records import event_log, object_context, record, task_completed, task_queued  # noqa: F401
