"""Schemathesis over the OpenAPI schema: generated requests (valid and invalid) against every
operation, with a real session on a real lab; no 5xx, and every response matches the schema."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from api.models import ApiSession

# advance waits for a runner thread: tests/api/test_api.py covers it with one
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application()).exclude(
    path="/api/labs/{lab}/clock", method="POST")


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """As Django's test client does: requests must not close the test's database connection."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_within_its_schema(case, lab, owner):
    if case.path_parameters and "lab" in case.path_parameters:
        case.path_parameters["lab"] = lab.moid  # a real lab, so requests reach past the access check
    token = ApiSession.objects.create(user=owner).token
    case.call_and_validate(
        headers={"vmware-api-session-id": token},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
