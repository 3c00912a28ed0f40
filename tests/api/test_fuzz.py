"""Fuzz every endpoint from the API's own OpenAPI document: no input may cause a 5xx."""

from __future__ import annotations

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings


def test_no_input_causes_a_server_error(api_app: Flask) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck)
        )
        def call(case: schemathesis.Case) -> None:
            response = case.call()
            assert response.status_code < 500, (case.as_curl_command(), response.text[:300])

        call()
