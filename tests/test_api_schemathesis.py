"""Schemathesis over /api/v1/openapi.json, in-process: no 5xx, responses match the schema.

Every operation of the document is tested on its own (one test per operation), then as
workflows: the state machine follows the links schemathesis infers between operations
(create a link, then retrieve, update, deactivate it; create an endpoint, rotate its
secret, delete it…), so operations also run on objects that exist, and a deleted object
stays gone (``use_after_free``), a created one is found (``ensure_resource_availability``)."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ensure_resource_availability,
    ignored_auth,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
    use_after_free,
)

from paylinks.api.services import apikey_create
from paylinks.webhooks.services import endpoint_create

# Business rules reject some schema-valid input (a past expiry date, a multi-use link naming
# a customer) with a 400 naming the field, so "valid data is accepted" is not checked.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
    ignored_auth,  # the same request without the key must get 401
]
STATEFUL_CHECKS = [*CHECKS, use_after_free, ensure_resource_availability]
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def secret(merchant, multi_link, single_link):
    # As Django's test client does: requests must not close the test's connection.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # Objects for the operations taking an id (the workflows find them in the lists).
    endpoint_create(merchant=merchant, url="http://127.0.0.1:9/hooks", enabled_events=["*"])
    try:
        yield apikey_create(merchant=merchant)[1]
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case, secret):
    case.call_and_validate(headers={"Authorization": f"Bearer {secret}"}, checks=CHECKS)


def test_every_operation_is_tested():
    """The parametrized test above covers the whole document (nothing filtered out)."""
    from paylinks.api.v1 import api

    documented = {
        f"{method.upper()} {path}"
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method in operations
    }
    tested = {result.ok().label for result in schema.get_all_operations()}
    assert tested == documented and len(documented) >= 20


@pytest.mark.django_db
def test_api_workflows_conform_to_the_schema(secret):
    base = schema.as_state_machine()
    answered: list[tuple[str, int]] = []

    class Workflows(base):  # type: ignore[valid-type,misc]
        def get_call_kwargs(self, case):
            return {"headers": {"Authorization": f"Bearer {secret}"}}

        def after_call(self, response, case):
            super().after_call(response, case)
            answered.append((case.operation.label, response.status_code))

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                checks=STATEFUL_CHECKS,
                headers=kwargs.get("headers"),
                transport_kwargs=kwargs,
                recorder=self.recorder,
            )

    Workflows.run(
        settings=settings(
            max_examples=100,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
        )
    )
    # Steps ran on objects earlier steps created (a 2xx from an operation taking an id).
    on_objects = {label for label, status in answered if "{" in label and status < 300}
    assert on_objects, answered
