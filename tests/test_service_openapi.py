"""The service against its own OpenAPI description (schemathesis, bounded examples): no server
error, no undocumented status code, no answer that breaks its schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service import openapi

from .helpers import RunningService, running_sandbox, running_service

# per operation and mode; SERVICE_FUZZ_EXAMPLES=60 for a deeper local run (about a minute)
EXAMPLES = int(os.environ.get("SERVICE_FUZZ_EXAMPLES", "6"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningService]:
    folder = tmp_path_factory.mktemp("openapi")
    with running_sandbox(folder) as sandbox, running_service(folder, sandbox) as service:
        service.connect_account()
        yield service


def _operations(running: RunningService) -> list[Any]:
    schema = schemathesis.openapi.from_url(f"{running.base}/v1/openapi.json", headers=running.headers())
    return [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation_keeps_to_its_description(running: RunningService, mode: GenerationMode) -> None:
    """Generated requests, valid and not, to every operation get documented answers of the
    documented shape (a bounded number per operation; schemathesis' pytest plugin does not run
    on pytest 9, so the operations are driven here with hypothesis directly)."""
    operations = _operations(running)
    assert len(operations) >= 20
    for operation in operations:

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
            database=None,
        )
        def one(case: Any) -> None:
            case.call_and_validate(headers=running.headers(), checks=CHECKS)

        try:
            one()
        except Unsatisfiable:  # an operation with nothing to make invalid (no parameters, no body)
            assert mode is GenerationMode.NEGATIVE


def test_sequences_that_follow_the_links_keep_to_the_description(running: RunningService) -> None:
    """Stateful: schemathesis chains operations through the description's links (a post made,
    then read and cancelled; an upload made, then read; a webhook made, read and deleted)."""
    schema = schemathesis.openapi.from_url(f"{running.base}/v1/openapi.json", headers=running.headers())
    machine: Any = schema.as_state_machine()

    class Sequences(machine):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": running.headers()}

        def validate_response(
            self, response: Any, case: Any, additional_checks: Any = None, **kwargs: Any
        ) -> None:
            case.validate_response(response, checks=CHECKS)

    Sequences.run(settings=settings(max_examples=EXAMPLES * 2, stateful_step_count=6, deadline=None,
                                    suppress_health_check=list(HealthCheck), database=None))  # fmt: skip


def test_the_served_description_is_the_module_s(running: RunningService) -> None:
    """/v1/openapi.json is what `service.openapi()` builds, and is OpenAPI 3.1."""
    status, _, body = running.call("GET", "/v1/openapi.json")
    assert status == 200
    assert body == openapi()
    assert body["openapi"].startswith("3.1")
