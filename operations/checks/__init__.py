"""Checks: pure functions over plain facts, one per vSphere rule, each returning the problems it
finds (errors block, warnings allow). The wizard shows them, the service refuses on errors, and
the runner checks again when the operation begins."""

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    severity: str
    message: str

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


def errors(problems: list[Problem]) -> list[str]:
    return [p.message for p in problems if p.is_error]
