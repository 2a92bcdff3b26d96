"""Property-based checks of the API against its own /openapi.json (schemathesis).

Every operation gets a bounded number of generated requests, valid and invalid; no answer
may be a 5xx, and every answer must match the status, content type and schema documented.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from web_support import DemoStore

EXAMPLES = int(os.environ.get("CINEMA_SCHEMATHESIS_EXAMPLES", "12"))


@pytest.mark.parametrize(
    "backend", ["json", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_no_5xx_and_every_answer_matches_the_schema(
    backend: str, make_store: Callable[[str], DemoStore]
) -> None:
    from fastapi.testclient import TestClient

    from cinema_cli.web.app import create_app

    store = make_store(backend)
    made = store.cli_json("tokens", "create", "--role", "admin", "--name", "fuzz")
    staff_headers = {"Authorization": f"Bearer {made['token']}"}
    with TestClient(create_app(store.settings()), raise_server_exceptions=False) as client:
        _fuzz(client, staff_headers)


def _fuzz(client: Any, staff_headers: dict[str, str]) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    tried = []
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # an Err would raise here, as wanted
        tried.append(operation.label)

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            case.call_and_validate(headers=staff_headers, checks=checks)

        check()
    assert len(tried) >= 15, tried
