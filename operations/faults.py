"""Faults a service raises when vSphere would refuse an operation.

error_type follows vSphere Automation REST, so the JSON API maps a fault to its status code
without knowing the service; the HTML views show the messages.
"""


class VimFault(Exception):
    error_type = "INVALID_ARGUMENT"

    def __init__(self, *messages: str):
        super().__init__("; ".join(messages))
        self.messages = list(messages)


class InvalidArgument(VimFault):
    error_type = "INVALID_ARGUMENT"


class InvalidState(VimFault):
    error_type = "NOT_ALLOWED_IN_CURRENT_STATE"


class AlreadyExists(VimFault):
    error_type = "ALREADY_EXISTS"


class ResourceInUse(VimFault):
    error_type = "RESOURCE_IN_USE"


class InsufficientResources(VimFault):
    error_type = "NOT_ALLOWED_IN_CURRENT_STATE"


class ResourceBusy(VimFault):
    """Another task holds the object (vSphere: "Another task is already in progress.")."""

    error_type = "RESOURCE_BUSY"


class Unauthorized(VimFault):
    """The caller may see the lab but not do this (a member changing the clock)."""

    error_type = "UNAUTHORIZED"


class ServiceUnavailable(VimFault):
    """The simulation runner is not there to do the work."""

    error_type = "SERVICE_UNAVAILABLE"


class GeneralError(VimFault):
    """Something failed on the server's side (logged with its traceback); nothing was changed.
    vSphere: "A general system error occurred"."""

    error_type = "ERROR"


class QuotaExceeded(VimFault):
    """A student's quota (labs, hosts or VMs per lab: settings.STUDENT_MAX_*) is used up."""

    error_type = "UNABLE_TO_ALLOCATE_RESOURCE"
