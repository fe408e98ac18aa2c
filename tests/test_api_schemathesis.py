"""Schemathesis over /api/v1/openapi.json, in-process: no 5xx, responses match the schema.

Every operation of the document is tested on its own (one test per operation, in-process),
then ``schemathesis run`` goes over a real server with every phase, stateful included: it
follows the links it infers between operations (create or list, then retrieve, update,
deactivate, rotate, delete the object), so operations also run on objects that exist, a
deleted object stays gone (``use_after_free``), a created one is found
(``ensure_resource_availability``)."""

import os
import re
import subprocess
import sys
from pathlib import Path

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

from livehttp import free_port, serve_process
from paylinks.api.services import apikey_create
from paylinks.api.v1 import api
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
    # An endpoint besides the links, so every list has something in it.
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
    documented = {
        f"{method.upper()} {path}"
        for path, operations in api.get_openapi_schema()["paths"].items()
        for method in operations
    }
    tested = {result.ok().label for result in schema.get_all_operations()}
    assert tested == documented and len(documented) >= 20


@pytest.mark.django_db(transaction=True)
def test_schemathesis_run_finds_nothing_against_a_real_server(tmp_path, merchant, multi_link):
    """What CI would run against a deployment: ``schemathesis run`` (its coverage, fuzzing
    and stateful phases; the engine handles the state a server keeps between scenarios)
    over HTTP against a real `paylinks serve` on the test database."""
    from pay import pay_card

    endpoint_create(merchant=merchant, url="http://127.0.0.1:9/hooks", enabled_events=["*"])
    pay_card(multi_link)  # a payment, a receipt and events to retrieve
    secret = apikey_create(merchant=merchant)[1]
    checks = [check.__name__ for check in STATEFUL_CHECKS]
    with serve_process(tmp_path, "--port", str(free_port()), "--no-worker") as served:
        result = subprocess.run(
            [
                str(Path(sys.executable).parent / "schemathesis"),
                "run",
                f"{served.base}/api/v1/openapi.json",
                "--header",
                f"Authorization: Bearer {secret}",
                "--checks",
                ",".join(checks),
                "--max-examples",
                "50",
                "--seed",
                "1",
            ],
            capture_output=True,
            text=True,
            timeout=1800,
            env={**os.environ, "NO_COLOR": "1"},
            cwd=tmp_path,  # its cache and reports
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-8000:]
    documented = len(
        [op for ops in api.get_openapi_schema()["paths"].values() for op in ops.values()]
    )
    assert re.search(rf"Tested: {documented}\b", output), output[-3000:]
    assert re.search(r"✅\s+Stateful", output), output[-3000:]
    assert re.search(r"(\d+) generated, \1 passed", output), output[-3000:]  # none failed
