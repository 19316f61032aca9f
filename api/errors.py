"""Errors as vSphere Automation REST sends them: {"error_type", "messages": [{"id",
"default_message"}]}, one message per problem, with the matching HTTP status."""

from __future__ import annotations

from ninja import Schema

STATUS = {
    "INVALID_ARGUMENT": 400, "NOT_ALLOWED_IN_CURRENT_STATE": 400, "ALREADY_EXISTS": 400, "RESOURCE_BUSY": 400,
    "RESOURCE_IN_USE": 400, "UNSUPPORTED": 400, "UNABLE_TO_ALLOCATE_RESOURCE": 400, "UNAUTHENTICATED": 401,
    "UNAUTHORIZED": 403, "NOT_FOUND": 404, "ERROR": 500, "SERVICE_UNAVAILABLE": 503,
}


class Message(Schema):
    id: str
    default_message: str


class Error(Schema):
    error_type: str
    messages: list[Message]


def body(error_type: str, *messages: str) -> dict:
    return {"error_type": error_type, "messages": [
        {"id": f"vcenter.lab.{error_type.lower()}", "default_message": m} for m in messages]}


ERRORS = {400: Error, 401: Error, 403: Error, 404: Error}
