"""The OpenAPI document says what the routes really do: the statuses each kind of route
answers, the rules its schema can state, and the methods a path allows."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import jsonschema_rs
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import services.api.projection_reads as projection_reads
from domain.commands import COMMANDS
from tests.e2e.conftest import BASE, BOARD, Api, error_of

PROJECTION_READS = [
    f"{BASE}/forums/{BOARD}/agenda",
    f"{BASE}/forums/{BOARD}/agenda.md",
    f"{BASE}/forums/{BOARD}/agenda.html",
    *(f"{BASE}/forums/{BOARD}/agenda-pack{suffix}" for suffix in (".html", ".pdf", ".docx")),
    f"{BASE}/themes",
    f"{BASE}/themes/trends",
    f"{BASE}/deadlines",
    f"{BASE}/acknowledgements",
    f"{BASE}/tracker",
    f"{BASE}/tracker.csv",
    f"{BASE}/activities",
    f"{BASE}/recommendations",
    f"{BASE}/actions",
    f"{BASE}/decisions",
]


@pytest.fixture
def spec(app: FastAPI) -> dict[str, Any]:
    document: dict[str, Any] = app.openapi()
    return document


def _operation(spec: dict[str, Any], path: str, method: str = "get") -> dict[str, Any]:
    template = path.replace(BASE, "/v1/partnerships/{partnership_id}").replace(BOARD, "{forum_id}")
    operation: dict[str, Any] = spec["paths"][template][method]
    return operation


def _error_body(operation: dict[str, Any], status: str) -> dict[str, Any]:
    schema: dict[str, Any] = operation["responses"][status]["content"]["application/json"]["schema"]
    return schema


@pytest.mark.parametrize("path", PROJECTION_READS)
def test_projection_reads_answer_and_document_503_projection_behind(
    api: Api, spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    monkeypatch.setattr(projection_reads, "WAIT_SECONDS", 0.05)  # not the 5 s a client is given
    r = api.client.get(path, params={"min_position": 10**9})
    assert r.status_code == 503, r.text
    assert error_of(r)["code"] == "projection_behind"
    assert _error_body(_operation(spec, path), "503") == {"$ref": "#/components/schemas/ErrorBody"}


def test_every_operation_documents_the_errors_of_its_kind(spec: dict[str, Any]) -> None:
    for path, operations in spec["paths"].items():
        if not path.startswith("/v1/"):
            continue
        for method, operation in operations.items():
            where = (method, path)
            documented = set(operation["responses"])
            # Any request under /v1/: credentials, role, rate, a body over the limit, bad input.
            assert {"400", "401", "403", "413", "422", "429"} <= documented, where
            for status in documented - {"200", "201"}:
                assert _error_body(operation, status) == {"$ref": "#/components/schemas/ErrorBody"}, where
            if operation["operationId"] in COMMANDS:
                assert {"404", "409", "503"} <= documented, where
            if method == "get":
                assert "409" not in documented, where  # a read changes nothing: nothing to conflict with


def test_an_unsupported_method_answers_405_naming_the_allowed_ones(client: TestClient) -> None:
    for method, path, allowed in [
        ("DELETE", f"{BASE}/activities", "GET, POST"),
        ("PUT", f"{BASE}/tracker", "GET"),
        ("PATCH", f"{BASE}/forums/{BOARD}/agenda", "GET"),
        ("PUT", "/health", "GET"),
    ]:
        r = client.request(method, path)
        assert r.status_code == 405, (method, path)
        assert r.headers["allow"] == allowed, (method, path)
        assert error_of(r)["code"] == "method_not_allowed"


def _validator(spec: dict[str, Any], model: str) -> Any:
    schema = {**spec["components"]["schemas"][model], "components": spec["components"]}
    return jsonschema_rs.validator_for(schema)


def test_lists_the_domain_refuses_empty_are_documented_non_empty(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    for model, field in [
        ("RecordFinding", "themes"), ("RecordDecision", "decided_by"), ("AcknowledgeLearning", "cascaded_by"),
        ("MakeRecommendation", "finding_ids"), ("MakeRecommendation", "addressed_to"),
        ("SetRouting", "points_of_dissemination"), ("CompleteAction", "evidence"),
    ]:
        assert schemas[model]["properties"][field]["minItems"] == 1, (model, field)
        assert field in schemas[model]["required"], (model, field)


def test_rules_by_kind_are_in_the_schema(spec: dict[str, Any]) -> None:
    opened = {"title": "A review", "opened_on": "2026-01-05", "scope": "Scope."}
    activity = _validator(spec, "OpenActivity")
    assert activity.is_valid({**opened, "kind": "thematic_audit"})
    # A Rapid Review needs its date of awareness, unless it follows an activity.
    assert not activity.is_valid({**opened, "kind": "rapid_review"})
    assert activity.is_valid({**opened, "kind": "rapid_review", "aware_on": "2026-01-02"})
    assert activity.is_valid({**opened, "kind": "rapid_review", "originating_activity_id": _uuid()})
    # A review needing an independent lead says why it is proportionate.
    spr = {**opened, "kind": "safeguarding_practice_review", "aware_on": "2026-01-02"}
    assert not activity.is_valid(spr) and not activity.is_valid({**spr, "rationale": "  "})
    assert activity.is_valid({**spr, "rationale": "Serious harm; several agencies."})
    decision = {
        "forum_id": BOARD, "meeting_on": "2026-01-05", "subject": "recommendation", "subject_id": _uuid(),
        "outcome": "accept", "decided_by": ["Chair"],
    }
    assert not _validator(spec, "RecordDecision").is_valid(decision)
    assert _validator(spec, "RecordDecision").is_valid({**decision, "rationale": "Agreed."})
    subscribe = _validator(spec, "Subscribe")
    assert not subscribe.is_valid({"agency_id": "police"})
    assert not subscribe.is_valid({"agency_id": "police", "themes": []})
    assert subscribe.is_valid({"agency_id": "police", "themes": ["neglect"]})
    assert subscribe.is_valid({"agency_id": "police", "everything": True})


def test_the_creating_commands_link_their_id_to_the_next_operations(spec: dict[str, Any]) -> None:
    opened = spec["paths"]["/v1/partnerships/{partnership_id}/activities"]["post"]["responses"]["201"]["links"]
    finding = opened["record_finding"]
    assert finding["parameters"] == {
        "activity_id": "$response.body#/id", "partnership_id": "$request.path.partnership_id",
    }
    made = spec["paths"]["/v1/partnerships/{partnership_id}/activities/{activity_id}/recommendations"]["post"]
    links = made["responses"]["201"]["links"]
    assert links["agree_action"]["parameters"]["recommendation_id"] == "$response.body#/id"
    assert links["record_decision"]["requestBody"] == {"subject": "recommendation", "subject_id": "$response.body#/id"}


def _uuid() -> str:
    return str(uuid4())


def test_an_agenda_for_a_meeting_in_year_one_looks_back_to_the_calendars_first_day(api: Api) -> None:
    """It answered 500: a year before the meeting is year 0, which no date holds."""
    head = api.client.app.state.store.recorder.max_notification_id()  # the forum is in the views
    for suffix in ("", ".md", ".html", "-pack.html", "-pack.pdf", "-pack.docx"):
        r = api.client.get(
            f"{BASE}/forums/{BOARD}/agenda{suffix}", params={"meeting_on": "0001-08-22", "min_position": head}
        )
        assert r.status_code == 200, (suffix, r.status_code, r.text)


def test_a_finding_recorded_twice_under_one_id_is_refused_and_the_tracker_still_answers(api: Api) -> None:
    """Once accepted, the second record replaced the first in the activity and stopped the
    tracker's projection on its duplicate key: every tracker read then answered 500."""
    pr, finding_id = api.reported_review()
    r = api.client.post(f"{BASE}/activities/{pr}/findings", json={
        "finding_id": finding_id, "category": "good_practice", "summary": "Again.", "themes": ["neglect"],
        "recorded_on": "2026-06-02",
    })
    assert r.status_code == 409, r.text
    assert (error_of(r)["code"], error_of(r)["field"]) == ("finding_exists", "finding_id")
    assert api.client.get(f"{BASE}/tracker").status_code == 200
