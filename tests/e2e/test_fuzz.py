"""Bad input: schemathesis generates requests for every operation of the OpenAPI document.

Authenticated as the partnership's admin (with the partnership fixed, so requests get
past the token's scope into the routes), every answer passes all of schemathesis's
checks: no 5xx; the status code, content type, headers and body the document declares;
valid requests accepted and invalid ones refused; credentials not ignored. A stateful
run then follows the document's links from one command's answer to the next.

Bounded for CI: EXAMPLES generated requests per operation and STEPS stateful scenarios,
derandomized (the same requests every run), no example database. `python -m
tests.fuzz_live` runs the CLI with every phase against a live server, at 150 per operation.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import FlakyStrategyDefinition, Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import positive_data_acceptance
from schemathesis.python.asgi import shutdown_lifespans

from adapters.settings import Settings
from tests.e2e.conftest import BOARD, PARTNERSHIP, POLICE, Api, make_settings
from tests.fixtures.auth import auth_headers

EXAMPLES = 6
SCENARIOS = 100
"""Six requests per operation in each of three modes (about 200 operations), and a hundred stateful
scenarios: the fuzz was a fifth of the suite's time at twelve. `python -m
tests.fuzz_live` runs every phase at 150 per operation against a live server."""


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


# A rule across two parameters, which no OpenAPI schema can state: a well-formed request
# may still be refused with exactly this answer, and only this one.
# So is a rule on the caller (a role the partnership allows to read case files' personal
# details must say why, `reason`, which other readers need not), and one on the stored
# state (relaxing a kind's rules needs a rationale; tightening them does not).
CROSS_PARAMETER_REFUSALS: dict[tuple[str, str], str | tuple[str, ...]] = {
    # A period's bounds in order; and a day past its month's end (2026-02-30) passes the bound's
    # pattern (services/api/routers/themes.py BOUND_SCHEMA) but not the read: invalid_bound.
    ("GET", "/v1/partnerships/{partnership_id}/themes"): ("invalid_range", "invalid_bound"),
    ("POST", "/v1/partnerships/{partnership_id}/source-rules"): "rationale_required",
    ("GET", "/v1/partnerships/{partnership_id}/casefiles/{case_file_id}"): "reason_required",
    ("GET", "/v1/partnerships/{partnership_id}/casefiles/{case_file_id}/history"): "reason_required",
    # Learning products: a period's bounds in order; a yearly report covers at most a year.
    **{("GET", f"/v1/partnerships/{{partnership_id}}/dossier{suffix}"): ("invalid_range", "invalid_bound")
       for suffix in ("", ".html", ".pdf", ".docx")},
    **{("GET", f"/v1/partnerships/{{partnership_id}}/yearly-report{suffix}"): "invalid_period"
       for suffix in ("", ".pdf", ".docx")},
    ("POST", "/v1/partnerships/{partnership_id}/yearly-reports"): "invalid_period",
    # A newsletter's period: its end not before its start, and at most a year.
    ("POST", "/v1/partnerships/{partnership_id}/newsletters"): "invalid_period",
    # A meeting's attendance: nobody both present and sending apologies.
    ("POST", "/v1/partnerships/{partnership_id}/meetings/{meeting_id}/attendance"): "present_and_apologies",
    # A list's cursor is the `next` an earlier answer gave (with the same sort): well-formed
    # text that no answer gave is refused, and no schema can say which text an answer gives.
    **{("GET", f"/v1/partnerships/{{partnership_id}}/{name}"): "invalid_cursor"
       for name in ("activities", "recommendations", "actions", "decisions")},
    # One reading at a time: as_of (recorded by an instant) or as_at_day (by the records' own dates).
    **{("GET", f"/v1/partnerships/{{partnership_id}}/{path}"): "two_readings"
       for path in ("activities/{activity_id}", "recommendations/{recommendation_id}", "actions/{action_id}",
                    "decisions/{decision_id}", "tracker", "tracker.csv")},
}


# Free text that identifies someone (domain/screening.py: a name held in the case files,
# an NHS number, a postcode ...) is refused with a code of this prefix: no schema states it.
IDENTITY_SCREEN = "text_contains_"


def _excluded(case: Any, response: Any) -> list[Any]:
    code = CROSS_PARAMETER_REFUSALS.get((case.operation.method.upper(), case.operation.path))
    refused = response.json()["error"]["code"] if response.status_code == 422 else None
    codes = (code,) if isinstance(code, str) else code or ()
    if refused is not None and (refused in codes or refused.startswith(IDENTITY_SCREEN)):
        return [positive_data_acceptance]
    return []


def _fuzz(strategy: Any, headers: dict[str, str]) -> Callable[[], None]:
    @given(case=strategy)
    @hypothesis_settings(
        max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
        phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        # every check schemathesis has
        case.validate_response(response, headers=headers, excluded_checks=_excluded(case, response))

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


def test_stateful_runs_follow_the_links_and_pass_every_check(app: FastAPI, api: Api) -> None:
    """From open_activity's 201 (and the other creating commands) to the commands and
    reads its id opens, as the document's links say; every answer checked."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    # Fixed as in test_no_operation_answers_5xx_or_outside_its_schema (see _query).
    parameters = {"path.partnership_id": PARTNERSHIP, "query.max_seconds": 0, "query.min_position": 0}
    schema.config.update(parameters=parameters)
    schema.config.generation.update(with_security_parameters=False)  # the admin's token is sent instead
    links = [link for op in schema.get_all_operations() for link in _links(op.ok())]
    assert {("open_activity", "record_finding"), ("make_recommendation", "agree_action")} <= set(links)

    created: set[str] = set()
    failures: list[str] = []
    followed: list[str] = []
    answered: list[str] = []

    scenarios = iter(range(10**6))
    # Fresh but the same in every run: with random ones (uuid4) no two runs drew the same steps.
    fresh_ids = iter(range(10**9))

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Each scenario acts on a partnership of its own, registered with the framework's
            # defaults, so one scenario's records cannot change what the next one is answered.
            self.partnership = f"fuzz-{next(scenarios)}"
            self.headers = auth_headers(app, partnership=self.partnership)
            body = {"partnership_id": self.partnership, "display_name": "Fuzzed partnership"}
            assert api.client.post("/v1/partnerships", json=body, headers=self.headers).status_code == 201

        def before_call(self, case: Any) -> None:
            # The state machine draws every path parameter; the token is for one partnership.
            if case.path_parameters and "partnership_id" in case.path_parameters:
                case.path_parameters["partnership_id"] = self.partnership
            # A client-chosen id is taken once in the whole store, so a scenario drawn again
            # would be refused where it was first accepted; a fresh id keeps its answer the same.
            chosen = CLIENT_CHOSEN_IDS.get(case.operation.definition.raw.get("operationId"))
            if chosen and isinstance(case.body, dict) and case.body.get(chosen) is not None:
                case.body[chosen] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"lif-fuzz-{next(fresh_ids)}"))
            case.query = {**(case.query or {}), **_query(case.operation)} if _query(case.operation) else case.query

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": self.headers}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            # Told the headers sent, ignored_auth knows the token is ours and re-sends without it.
            # Collected, not raised: the app's state outlives each scenario, so hypothesis
            # could not replay a failing one and would report only that it is "flaky".
            try:
                case.validate_response(
                    response, headers=self.headers, recorder=self.recorder, excluded_checks=_excluded(case, response),
                )
            except KeyboardInterrupt:
                raise
            except BaseException as e:
                failures.append(f"{case.operation.label}: {type(e).__name__}: {str(e)[:1500]}")

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            answered.append(case.operation.label)
            if any(str(value) in created for value in (case.path_parameters or {}).values()):
                followed.append(case.operation.label)  # an id one command answered, used by the next
            if response.status_code == 201:
                created.add(str(response.json()["id"]))
            if followed and len(answered) >= SCENARIOS:
                raise _Enough  # every answer so far checked; the rest of the run would prove no more

    # The app's state outlives each scenario, so a scenario hypothesis draws again can find a
    # bundle filled or emptied by an earlier one, and hypothesis then stops generating. Every
    # answer given until then was checked above; enough of them must have been given.
    # When hypothesis stops early before any step follows a link, the run is drawn again with
    # another number of steps: still deterministic (derandomized), and each answer is checked.
    # A run ends as soon as a link was followed and enough answers were checked (_Enough): the
    # rest of its scenarios once took minutes. With the client-chosen ids the same in every run
    # too, the first run (7 steps) follows its first link after the same ~530 answers each time.
    for steps in (7, 6, 8, 10, 5, 9):
        with contextlib.suppress(FlakyStrategyDefinition, _Enough):
            Workflow.run(settings=hypothesis_settings(
                max_examples=SCENARIOS, stateful_step_count=steps, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
            ))
        if followed and len(answered) >= SCENARIOS:
            break
    assert len(answered) >= SCENARIOS, f"only {len(answered)} answers checked"
    assert not failures, "\n\n".join(failures)
    assert followed, "no step used an id that an earlier step created"


class _Enough(Exception):
    """Ends a stateful run once it has shown what the test asks of it."""


CLIENT_CHOSEN_IDS = {
    "open_activity": "activity_id", "record_finding": "finding_id", "make_recommendation": "recommendation_id",
    "record_decision": "decision_id", "agree_action": "action_id",
}


def _links(operation: Any) -> list[tuple[str, str]]:
    found = []
    for response in operation.definition.raw.get("responses", {}).values():
        for link in response.get("links", {}).values():
            found.append((operation.definition.raw["operationId"], link["operationId"]))
    return found
