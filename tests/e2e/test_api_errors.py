"""Each error class answers its status with a machine-readable code and the field at fault."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.store import EventStore
from services.api.app import create_app
from services.application.auth.principals import Role
from tests.e2e.conftest import (
    BASE,
    BOARD,
    EXECUTIVE,
    POLICE,
    Api,
    client_as,
    error_of,
    events,
    make_settings,
)
from tests.fixtures.auth import auth_headers


def _unknown() -> str:
    return str(uuid.uuid4())


# --- 404 ---------------------------------------------------------------------


def test_unknown_partnership_is_404_on_reads_and_commands(api: Api, client: TestClient) -> None:
    # A token for the (unregistered) partnership: any other token is refused with 403 first.
    client = client_as(client.app, Role.ADMIN, "nowhere")  # type: ignore[arg-type]
    for method, path, body in [
        ("GET", "/v1/partnerships/nowhere", None),
        ("POST", "/v1/partnerships/nowhere/agencies", {"agency_id": "a-b", "display_name": "A", "sector": "other"}),
        ("POST", "/v1/partnerships/nowhere/activities", {
            "kind": "thematic_audit", "title": "T", "opened_on": "2026-01-05", "scope": "S",
        }),
    ]:
        r = client.request(method, path, json=body)
        assert r.status_code == 404, (path, r.text)
        assert error_of(r) == {
            "code": "unknown_partnership",
            "field": "partnership_id",
            "message": "No partnership 'nowhere' is registered.",
        }


@pytest.mark.parametrize(
    ("path", "code", "field"),
    [
        ("/activities/{id}", "unknown_activity", "activity_id"),
        ("/recommendations/{id}", "unknown_recommendation", "recommendation_id"),
        ("/actions/{id}", "unknown_action", "action_id"),
        ("/decisions/{id}", "unknown_decision", "decision_id"),
    ],
)
def test_unknown_id_is_404_on_get(api: Api, path: str, code: str, field: str) -> None:
    r = api.client.get(api.base + path.format(id=_unknown()))
    assert r.status_code == 404
    detail = error_of(r)
    assert (detail["code"], detail["field"]) == (code, field)


@pytest.mark.parametrize(
    ("path", "body", "code", "field"),
    [
        ("/activities/{id}/start", {}, "unknown_activity", "activity_id"),
        ("/activities/{id}/recommendations", {
            "finding_ids": [str(uuid.uuid4())], "text": "T", "addressed_to": ["partnership"],
            "made_on": "2026-06-01",
        }, "unknown_activity", "activity_id"),
        ("/recommendations/{id}/actions", {
            "owner_agency_id": POLICE, "description": "D", "due_on": "2026-09-01",
        }, "unknown_recommendation", "recommendation_id"),
        ("/actions/{id}/progress", {"noted_on": "2026-07-01", "note": "N"}, "unknown_action", "action_id"),
    ],
)
def test_unknown_id_is_404_on_commands(
    api: Api, store: EventStore, path: str, body: dict[str, Any], code: str, field: str
) -> None:
    before = store.recorder.max_notification_id()
    r = api.client.post(api.base + path.format(id=_unknown()), json=body)
    assert r.status_code == 404, r.text
    detail = error_of(r)
    assert (detail["code"], detail["field"]) == (code, field)
    assert store.recorder.max_notification_id() == before


def test_decision_on_unknown_subject_is_404_and_records_no_decision(api: Api, store: EventStore) -> None:
    before = store.recorder.max_notification_id()
    for subject in ("activity_sign_off", "recommendation"):
        r = api.client.post(f"{api.base}/decisions", json={
            "forum_id": BOARD, "meeting_on": "2026-06-15", "subject": subject, "subject_id": _unknown(),
            "outcome": "accept", "decided_by": ["Chair"], "rationale": "Agreed.",
        })
        assert r.status_code == 404, r.text
        assert error_of(r)["field"] == "subject_id"
    assert store.recorder.max_notification_id() == before


def test_id_of_another_aggregate_type_is_404(api: Api) -> None:
    pr, finding = api.reported_review()
    rec = api.recommend(pr, finding)["id"]
    decision = api.decide("recommendation", rec)["id"]
    action = api.agree_action(rec)["id"]
    partnership = api.get("")["id"]

    for path, code in [
        (f"/activities/{rec}", "unknown_activity"),
        (f"/activities/{partnership}", "unknown_activity"),
        (f"/recommendations/{pr}", "unknown_recommendation"),
        (f"/actions/{decision}", "unknown_action"),
        (f"/decisions/{action}", "unknown_decision"),
    ]:
        r = api.client.get(api.base + path)
        assert r.status_code == 404, (path, r.text)
        assert error_of(r)["code"] == code
    for path, body, code in [
        (f"/activities/{action}/start", {}, "unknown_activity"),
        (f"/recommendations/{pr}/actions", {
            "owner_agency_id": POLICE, "description": "D", "due_on": "2026-09-01",
        }, "unknown_recommendation"),
        (f"/actions/{rec}/progress", {"noted_on": "2026-07-01", "note": "N"}, "unknown_action"),
    ]:
        r = api.client.post(api.base + path, json=body)
        assert r.status_code == 404, (path, r.text)
        assert error_of(r)["code"] == code


def test_aggregates_of_another_partnership_are_invisible(api: Api, other: Api, store: EventStore) -> None:
    pr, finding = api.reported_review()
    rec = api.recommend(pr, finding)["id"]
    decision = api.decide("recommendation", rec)["id"]
    action = api.agree_action(rec)["id"]
    before = store.recorder.max_notification_id()

    for path in (f"/activities/{pr}", f"/recommendations/{rec}", f"/actions/{action}", f"/decisions/{decision}"):
        assert other.get(path, expect=404)["error"]["code"].startswith("unknown_")
        # ...and as it stood at any instant.
        other.get(path, expect=404, params={"as_of": "2099-01-01T00:00:00+00:00"})
    other.act(pr, "child-voice", {"summary": "Wirral writes into St Helens."}, expect=404)
    other.recommend(pr, finding, expect=404)
    other.agree_action(rec, expect=404)
    other.on_action(action, "progress", {"noted_on": "2026-07-01", "note": "N"}, expect=404)
    assert other.decide("activity_sign_off", pr, expect=404)["error"]["field"] == "subject_id"
    assert other.decide("recommendation", rec, expect=404)["error"]["field"] == "subject_id"
    # A practice review cannot be opened from another partnership's rapid review.
    body = other.post("/activities", {
        "kind": "safeguarding_practice_review", "title": "T", "opened_on": "2026-04-01", "scope": "S",
        "originating_activity_id": pr, "rationale": "R",
    }, expect=404)
    assert body["error"] == {
        "code": "unknown_activity",
        "field": "originating_activity_id",
        "message": f"No activity {pr} in partnership 'wirral'.",
    }
    assert store.recorder.max_notification_id() == before


# --- 409 rule violations -----------------------------------------------------


def test_completing_an_action_without_evidence_is_409_evidence_required(api: Api, store: EventStore) -> None:
    action = api.open_action()
    r = api.client.post(f"{BASE}/actions/{action}/completion", json={"completed_on": "2026-08-01", "evidence": []})
    assert r.status_code == 409
    detail = error_of(r)
    assert (detail["code"], detail["field"]) == ("evidence_required", "evidence")
    assert len(events(store, action)) == 1
    assert api.get(f"/actions/{action}")["status"] == "open"


def test_sign_off_by_the_wrong_forum_is_409_and_records_nothing(api: Api, store: EventStore) -> None:
    pr, _ = api.reported_review()
    before = store.recorder.max_notification_id()
    body = api.decide("activity_sign_off", pr, forum=EXECUTIVE, expect=409)
    assert body["error"]["code"] == "wrong_forum_for_sign_off"
    assert body["error"]["field"] == "forum_id"
    assert "Safeguarding Partnership Board" in body["error"]["message"]
    # Neither the decision nor the sign-off is stored: the command is refused whole.
    assert store.recorder.max_notification_id() == before
    assert api.get(f"/activities/{pr}")["status"] == "reported"


def test_lead_reviewer_from_an_involved_agency_is_409(api: Api) -> None:
    rr = api.open_rapid_review()
    pr = api.open_practice_review(rr["id"], agencies_involved=[POLICE])["id"]
    body = api.act(pr, "lead-reviewer", {"reviewer_name": "DI Smith", "agency_id": POLICE}, expect=409)
    assert body["error"]["code"] == "lead_reviewer_not_independent"
    assert body["error"]["field"] == "agency_id"
    assert api.get(f"/activities/{pr}")["lead_reviewer"] is None


@pytest.mark.parametrize(
    ("step", "code", "field"),
    [
        ("start twice", "invalid_status", "status"),
        ("report without findings", "findings_required", "findings"),
        ("action before acceptance", "recommendation_not_accepted", "recommendation_id"),
        ("assure an open action", "action_not_completed", "status"),
        ("publish before final report", "final_report_not_sent", "final_report_sent_on"),
        ("register twice", "partnership_exists", "partnership_id"),
        ("start practice review without lead", "lead_reviewer_required", "lead_reviewer"),
        ("decide by a forum outside routing", "forum_not_responsible", "forum_id"),
    ],
)
def test_rule_violations_are_409_with_code_and_field(
    api: Api, store: EventStore, step: str, code: str, field: str
) -> None:
    def attempt() -> dict[str, Any]:
        if step == "start twice":
            aid = api.open_audit()["id"]
            api.act(aid, "start", {})
            return api.act(aid, "start", {}, expect=409)
        if step == "report without findings":
            aid = api.open_audit()["id"]
            api.act(aid, "start", {})
            return api.act(aid, "report", {"report_summary": "S", "reported_on": "2026-03-01"}, expect=409)
        if step == "action before acceptance":
            pr, finding = api.reported_review()
            return api.agree_action(api.recommend(pr, finding)["id"], expect=409)
        if step == "assure an open action":
            action = api.open_action()
            return api.on_action(action, "assurance", {"assured_on": "2026-09-01", "impact_statement": "I"}, expect=409)
        if step == "publish before final report":
            pr, _ = api.reported_review()
            api.decide("activity_sign_off", pr)
            return api.act(pr, "publication", {"published_on": "2026-09-01"}, expect=409)
        if step == "register twice":
            r = api.client.post("/v1/partnerships", json={"partnership_id": api.partnership, "display_name": "X"})
            assert r.status_code == 409
            body: dict[str, Any] = r.json()
            return body
        if step == "start practice review without lead":
            pr = api.open_practice_review(api.open_rapid_review()["id"])["id"]
            return api.act(pr, "start", {}, expect=409)
        pr, finding = api.reported_review()
        rec = api.recommend(pr, finding)["id"]
        return api.decide("recommendation", rec, forum="merseyside-cdop", expect=409)

    body = attempt()
    assert (body["error"]["code"], body["error"]["field"]) == (code, field)
    assert body["error"]["message"]


# --- 409 stale expected_version ---------------------------------------------


def test_stale_expected_version_is_409_with_current_version(api: Api, store: EventStore) -> None:
    aid = api.open_audit()["id"]
    api.act(aid, "start", {"expected_version": 1})
    body = api.act(aid, "findings", {
        "category": "good_practice", "summary": "S", "themes": ["neglect"], "recorded_on": "2026-03-01",
        "expected_version": 1,
    }, expect=409)
    assert body["error"]["code"] == "version_conflict"
    assert body["error"]["field"] == "expected_version"
    assert body["error"]["current_version"] == 2
    assert len(events(store, aid)) == 2
    # Re-read and retry with the current version.
    assert api.finding(aid, agencies_concerned=[], expected_version=2)["version"] == 3


def test_stale_expected_version_on_partnership_and_decision_subject(api: Api) -> None:
    version = api.get("")["version"]
    body = api.post("/forums", {"forum_id": "f-1", "display_name": "F", "expected_version": version - 1}, expect=409)
    assert body["error"]["current_version"] == version
    pr, _ = api.reported_review()
    current = api.get(f"/activities/{pr}")["version"]
    body = api.decide("activity_sign_off", pr, expected_version=current - 1, expect=409)
    assert (body["error"]["code"], body["error"]["current_version"]) == ("version_conflict", current)
    api.decide("activity_sign_off", pr, expected_version=current)


# --- 422 invalid input -------------------------------------------------------


AUDIT = {"kind": "thematic_audit", "title": "T", "opened_on": "2026-02-02", "scope": "S"}


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({**AUDIT, "opened_on": "the second of Feb"}, "invalid_date", "opened_on"),
        ({**AUDIT, "expected_version": "one"}, "invalid_int_parsing", "expected_version"),
        ({**AUDIT, "agencies_involved": "merseyside-police"}, "invalid_tuple_type", "agencies_involved"),
        ({**AUDIT, "title": 7}, "invalid_string_type", "title"),
        ({**AUDIT, "kind": "cake_review"}, "invalid_enum", "kind"),
        ({**AUDIT, "ofsted_rating": "good"}, "invalid_extra_forbidden", "ofsted_rating"),
        ({k: v for k, v in AUDIT.items() if k != "title"}, "invalid_missing", "title"),
        ({**AUDIT, "activity_id": "not-a-uuid"}, "invalid_uuid_parsing", "activity_id"),
        ({**AUDIT, "agencies_involved": ["Not A Slug"]}, "invalid_string_pattern_mismatch", "agencies_involved.0"),
    ],
)
def test_invalid_bodies_are_422_naming_the_field(
    api: Api, store: EventStore, body: dict[str, Any], code: str, field: str
) -> None:
    before = store.recorder.max_notification_id()
    r = api.client.post(f"{BASE}/activities", json=body)
    assert r.status_code == 422, r.text
    detail = error_of(r)
    assert (detail["code"], detail["field"]) == (code, field)
    assert store.recorder.max_notification_id() == before


def test_every_invalid_field_is_listed(api: Api) -> None:
    r = api.client.post(f"{BASE}/activities", json={"kind": "nope", "extra": 1})
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert fields == {"kind", "title", "opened_on", "scope", "extra"}


def test_nested_unknown_enum_and_unknown_field_name_their_path(api: Api) -> None:
    aid = api.open_audit()["id"]
    api.act(aid, "start", {})
    body = api.act(aid, "findings", {
        "category": "good_practice", "summary": "S", "themes": ["neglect", "weather"], "recorded_on": "2026-03-01",
    }, expect=422)
    assert (body["error"]["code"], body["error"]["field"]) == ("invalid_enum", "themes.1")
    action = api.open_action()
    body = api.on_action(action, "completion", {
        "completed_on": "2026-08-01", "evidence": [{"description": "Audit", "colour": "red"}],
    }, expect=422)
    assert (body["error"]["code"], body["error"]["field"]) == ("invalid_extra_forbidden", "evidence.0.colour")
    body = api.post("/agencies", {"agency_id": "army", "display_name": "Army", "sector": "military"}, expect=422)
    assert (body["error"]["code"], body["error"]["field"]) == ("invalid_enum", "sector")


@pytest.mark.parametrize(
    ("kind", "extra", "code", "field"),
    [
        ("rapid_review", {}, "aware_on_required", "aware_on"),
        ("safeguarding_practice_review", {"aware_on": "2026-01-02"}, "proportionality_rationale_required", "rationale"),
        ("thematic_audit", {"case_reference": "Jane Smith"}, "case_reference_not_pseudonymous", "case_reference"),
        ("thematic_audit", {"case_reference": "SH-2014-03-12"}, "case_reference_contains_date", "case_reference"),
    ],
)
def test_domain_input_errors_are_422(api: Api, kind: str, extra: dict[str, Any], code: str, field: str) -> None:
    body = api.post("/activities", {**AUDIT, "kind": kind, **extra}, expect=422)
    assert (body["error"]["code"], body["error"]["field"]) == (code, field)


def test_decision_without_rationale_is_422(api: Api) -> None:
    pr, _ = api.reported_review()
    body = api.decide("activity_sign_off", pr, rationale=None, expect=422)
    assert (body["error"]["code"], body["error"]["field"]) == ("rationale_required", "rationale")


def test_invalid_path_and_header_values_are_422(api: Api, client: TestClient) -> None:
    r = client.get(f"{BASE}/activities/not-a-uuid")
    assert r.status_code == 422 and error_of(r)["field"] == "activity_id"
    r = client.get(f"{BASE}/actions/{uuid.uuid4()}", params={"as_of": "yesterday"})
    assert r.status_code == 422 and error_of(r)["field"] == "as_of"
    # A path naming no partnership of the token's is refused before it is validated.
    r = client.get("/v1/partnerships/Not_A_Slug")
    assert r.status_code == 403 and error_of(r)["code"] == "other_partnership"
    # Who acts comes only from the signed token: a hostile credential is 401, never stored.
    r = client.post(f"{BASE}/activities", json=AUDIT, headers={"Authorization": "Bearer Robert'); DROP TABLE"})
    assert r.status_code == 401 and error_of(r)["code"] == "token_malformed"


@pytest.mark.parametrize(
    "raw",
    [b'{"kind": "thematic_audit",', b"{'kind': 'thematic_audit'}", b"\xff\xfe{}", b"{}}"],
)
def test_malformed_json_is_4xx_naming_the_problem(api: Api, raw: bytes) -> None:
    r = api.client.post(f"{BASE}/activities", content=raw, headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500
    detail = error_of(r)
    assert detail["code"] == "malformed_json"
    assert detail["field"] == "body"
    assert "JSON" in detail["message"]


@pytest.mark.parametrize("raw", [b"[]", b"null", b'"audit"', b"42"])
def test_json_that_is_not_an_object_is_422(api: Api, raw: bytes) -> None:
    r = api.client.post(f"{BASE}/activities", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert error_of(r)["field"] == "body"


# --- 413 ---------------------------------------------------------------------


@pytest.fixture
def small_client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(make_settings(tmp_path, max_body_bytes=2048))
    with TestClient(app, headers=auth_headers(app)) as c:
        Api(c).register()
        yield c


def test_body_over_the_limit_is_413(small_client: TestClient) -> None:
    store: EventStore = small_client.app.state.store  # type: ignore[attr-defined]
    before = store.recorder.max_notification_id()
    big = {**AUDIT, "scope": "x" * 3000}
    r = small_client.post(f"{BASE}/activities", json=big)
    assert r.status_code == 413
    assert error_of(r)["code"] == "body_too_large"
    r = small_client.post("/v1/ingest", json={"items": [{"partnership_id": "st-helens", "command": "x"}] * 60})
    assert r.status_code == 413
    assert store.recorder.max_notification_id() == before
    # Just under the limit is accepted.
    assert small_client.post(f"{BASE}/activities", json={**AUDIT, "scope": "x" * 1500}).status_code == 201


def test_streamed_body_over_the_limit_is_413(small_client: TestClient) -> None:
    # Without Content-Length the server counts what arrives.
    def chunks() -> Iterator[bytes]:
        yield b'{"kind": "thematic_audit", "title": "T", "opened_on": "2026-02-02", "scope": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}'

    r = small_client.post(f"{BASE}/activities", content=chunks(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413

    def small() -> Iterator[bytes]:
        yield b'{"kind": "thematic_audit", "title": "T", '
        yield b'"opened_on": "2026-02-02", "scope": "S"}'

    r = small_client.post(f"{BASE}/activities", content=small(), headers={"Content-Type": "application/json"})
    assert r.status_code == 201, r.text


def test_strangers_get_401_before_any_body_is_looked_at(small_client: TestClient) -> None:
    stranger = TestClient(small_client.app)
    too_big = {**AUDIT, "scope": "x" * 3000}
    for kwargs in (
        {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
        {"json": too_big},
        {"json": too_big, "headers": {"Authorization": "Bearer not-a-token"}},
    ):
        r = stranger.post(f"{BASE}/activities", **kwargs)  # type: ignore[arg-type]
        assert r.status_code == 401, (kwargs.get("headers"), r.text)
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
    # Nor which paths exist under /v1/ (outside it: 404, and the open documents).
    assert stranger.get("/v1/no/such/path").status_code == 401
    assert stranger.get("/no/such/path").status_code == 404
    # With credentials the same requests reach the checks behind authentication.
    json_type = {"Content-Type": "application/json"}
    bad_json = small_client.post(f"{BASE}/activities", content=b"{not json", headers=json_type)
    assert bad_json.status_code == 422
    assert small_client.post(f"{BASE}/activities", json=too_big).status_code == 413
    assert small_client.get("/v1/no/such/path").status_code == 404


def test_default_limit_applies(api: Api) -> None:
    r = api.client.post(f"{BASE}/activities", json={**AUDIT, "scope": "x" * 1_100_000})
    assert r.status_code == 413


# --- never 500 ---------------------------------------------------------------


def test_hostile_requests_never_answer_500(api: Api) -> None:
    aid = api.open_audit()["id"]
    far = api.open_rapid_review(aware_on="9999-12-28", opened_on="9999-12-29")["id"]
    raw = TestClient(api.client.app, raise_server_exceptions=False, headers=dict(api.client.headers))
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", f"{BASE}/activities/{aid}", {"params": {"as_of": "2026-01-01T00:00:00"}}),
        ("GET", f"{BASE}/activities/{aid}", {"params": {"as_of": "0001-01-01T00:00:00+00:00"}}),
        ("GET", f"{BASE}/activities/{far}", {}),
        ("GET", f"{BASE}/actions/{aid}", {"params": {"as_of": "9999-12-31T23:59:59+00:00"}}),
        ("POST", f"{BASE}/activities", {"json": {**AUDIT, "expected_version": 10**40}}),
        ("POST", f"{BASE}/activities", {"json": {**AUDIT, "title": "\u0000\ud7ff" * 3}}),
        ("POST", f"{BASE}/activities", {"content": b"", "headers": {"Content-Type": "application/json"}}),
        ("POST", f"{BASE}/activities", {"content": b"{}", "headers": {"Content-Type": "text/plain"}}),
        ("POST", f"{BASE}/activities", {"content": b"{}", "headers": {"Content-Length": "abc"}}),
        ("POST", f"{BASE}/activities", {"content": b"[" * 5000 + b"]" * 5000,
                                        "headers": {"Content-Type": "application/json"}}),
        ("POST", f"{BASE}/activities/{aid}/start", {}),
        ("POST", f"{BASE}/activities/{aid}/findings", {"json": {"themes": [[[]]], "category": {}}}),
        ("POST", f"{BASE}/decisions", {"json": {"subject": "activity_sign_off", "subject_id": aid}}),
        ("POST", f"{BASE}/activities", {"json": AUDIT, "headers": {"Idempotency-Key": "k" * 500}}),
        ("POST", "/v1/ingest", {"json": {"items": [None, 1, "x", [], {"command": 5}]}}),
        ("POST", "/v1/ingest", {"json": {"items": "all of them"}}),
        ("POST", "/v1/ingest", {"json": {"items": [{"partnership_id": "st-helens", "command": "start_activity"}]}}),
        ("PUT", f"{BASE}/activities/{aid}", {"json": {}}),
        ("DELETE", BASE, {}),
        ("GET", "/v1/nothing-here", {}),
    ]
    for method, url, kw in requests:
        r = raw.request(method, url, **kw)
        assert r.status_code < 500, (method, url, r.status_code, r.text)
        if r.status_code >= 400:
            assert error_of(r)["code"], (method, url, r.text)
