"""Bad input: schemathesis generates requests for every operation of the OpenAPI document.

Authenticated as the partnership's admin (with the partnership fixed, so requests get
past the token's scope into the routes), no answer may be a 5xx, and every answer must
be one the document declares: its status code, content type and body schema.

Bounded for CI: EXAMPLES generated requests per operation, derandomized (the same
requests every run), no example database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from services.settings import Settings
from tests.e2e.conftest import BOARD, PARTNERSHIP, POLICE, Api, make_settings
from tests.fixtures.auth import auth_headers

EXAMPLES = 12
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(autouse=True)
def _stop_schemathesis_servers() -> Iterator[None]:
    """schemathesis starts the app's lifespan once and keeps it to process exit; stopped
    here, each test's app closes its store and projector when its own test ends."""
    yield
    shutdown_lifespans()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Overrides conftest's: no rate limit while one principal sends as fast as it can."""
    return make_settings(tmp_path, rate_limit_per_minute=0)


def _fixed(operation: Any, ids: dict[str, str]) -> dict[str, Any]:
    names = {p.name for p in operation.path_parameters}
    return {name: value for name, value in ids.items() if name in names}


def _entities(api: Api) -> dict[str, str]:
    """Real entities of each kind, so generated bodies reach the domain's rules."""
    pr, finding = api.reported_review()
    recommendation = api.recommend(pr, finding)["id"]
    decision = api.decide("recommendation", recommendation)["id"]
    action = api.agree_action(recommendation)["id"]
    case_file = api.post("/casefiles", {
        "case_reference": "SHSCP-2026-001", "source_kind": "rapid_review", "role": "child", "name": "Test Child",
    }, expect=201)["id"]
    return {
        "partnership_id": PARTNERSHIP, "activity_id": pr, "recommendation_id": recommendation,
        "action_id": action, "decision_id": decision, "forum_id": BOARD, "agency_id": POLICE, "entity_id": pr,
        "case_file_id": case_file,
    }


def _query(operation: Any) -> dict[str, Any]:
    names = {p.name for p in operation.query}
    query: dict[str, Any] = {}
    if "max_seconds" in names:
        query["max_seconds"] = 0  # the SSE feed: one pass, then the stream ends
    if "min_position" in names:
        # A position ahead of the log's head waits 5 s and answers the documented 503
        # `projection_behind` (tests/integration/test_projections_api.py checks it).
        query["min_position"] = 0
    return query


def _fuzz(strategy: Any, headers: dict[str, str]) -> Callable[[], None]:
    @given(case=strategy)
    @hypothesis_settings(
        max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
        phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS)

    return run  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("known", "mode"),
    [
        # Any ids (mostly unknown: 404s and 422s), well-formed requests.
        (False, GenerationMode.POSITIVE),
        # The partnership's real entities, so bodies meet the rules of each state.
        (True, GenerationMode.POSITIVE),
        # Requests that break the schema: every one must be refused with a documented 4xx.
        (True, GenerationMode.NEGATIVE),
    ],
    ids=["any-ids", "real-entities", "invalid-requests"],
)
def test_no_operation_answers_5xx_or_outside_its_schema(
    app: FastAPI, api: Api, known: bool, mode: GenerationMode
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = auth_headers(app)
    ids = _entities(api) if known else {"partnership_id": PARTNERSHIP}
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 50
    for operation in operations:
        strategy = operation.as_strategy(mode, path_parameters=_fixed(operation, ids), query=_query(operation) or None)
        try:
            _fuzz(strategy, headers)()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # nothing to break in a request with no input
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # collect every operation's failure (groups too), then report them together
            failures.append(f"{operation.method.upper()} {operation.path}: {type(e).__name__}: {str(e)[:1500]}")
    assert not failures, "\n\n".join(failures)
