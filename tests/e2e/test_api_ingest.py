"""POST /v1/ingest: a batch of commands from another service, each judged on its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.store import EventStore
from services.api.app import create_app
from services.application.auth.apikeys import create_api_key
from tests.e2e.conftest import PARTNERSHIP, Api, events, make_settings
from tests.fixtures.auth import auth_headers

AUDIT = {"kind": "thematic_audit", "title": "T", "opened_on": "2026-02-02", "scope": "S"}


def item(command: str, payload: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    return {"partnership_id": PARTNERSHIP, "command": command, "payload": payload or {}, **fields}


def ingest(client: TestClient, items: list[Any], **headers: str) -> dict[str, Any]:
    r = client.post("/v1/ingest", json={"items": items}, headers=headers)
    assert r.status_code == 200, r.text
    report: dict[str, Any] = r.json()
    return report


def test_mixed_batch_applies_the_valid_and_reports_the_invalid(api: Api, store: EventStore) -> None:
    started = api.open_audit()["id"]
    report = ingest(api.client, [
        item("open_activity", AUDIT),                                            # 0 ok
        item("open_activity", {**AUDIT, "kind": "cake_review"}),                 # 1 enum
        item("bake_cake"),                                                       # 2 command
        item("start_activity", target_id=started),                               # 3 ok
        item("start_activity", target_id=started),                               # 4 rule
        "not an object",                                                         # 5 shape
        {**item("open_activity", AUDIT), "partnership_id": "nowhere"},           # 6 404
        item("start_activity", target_id=str(uuid.uuid4())),                     # 7 404
        item("open_activity", {**AUDIT, "colour": "red"}),                       # 8 extra
        {**item("open_activity", AUDIT), "priority": "high"},                    # 9 extra
    ])
    assert [a["index"] for a in report["applied"]] == [0, 3]
    rejected = {r["index"]: (r["code"], r["field"]) for r in report["rejected"]}
    assert rejected == {
        1: ("invalid_item", "kind"),
        2: ("unknown_command", "command"),
        4: ("invalid_status", "status"),
        5: ("invalid_item", None),
        6: ("other_partnership", "partnership_id"),
        7: ("unknown_activity", "activity_id"),
        8: ("invalid_item", "colour"),
        9: ("invalid_item", "priority"),
    }
    assert all(r["message"] for r in report["rejected"])
    opened = report["applied"][0]
    assert api.get(f"/activities/{opened['id']}")["title"] == "T"
    assert api.get(f"/activities/{started}")["status"] == "in_progress"
    assert report["applied"][1] == {"index": 3, "id": started, "version": 2, "replayed": False}


def test_item_failing_a_rule_is_not_half_applied(api: Api, store: EventStore) -> None:
    pr, _ = api.reported_review()
    version = api.get(f"/activities/{pr}")["version"]
    before = store.recorder.max_notification_id()
    decision = {
        "forum_id": "executive", "meeting_on": "2026-06-15", "subject": "activity_sign_off",
        "subject_id": pr, "outcome": "accept", "decided_by": ["Chair"], "rationale": "Agreed.",
        "decision_id": str(uuid.uuid4()),
    }
    report = ingest(api.client, [item("record_decision", decision)])
    assert report["applied"] == []
    assert [(r["code"], r["field"]) for r in report["rejected"]] == [("wrong_forum_for_sign_off", "forum_id")]
    # The decision itself was decided before the sign-off failed; it must not be stored.
    assert events(store, decision["decision_id"]) == []
    assert api.get(f"/activities/{pr}")["version"] == version
    assert store.recorder.max_notification_id() == before
    api.get(f"/decisions/{decision['decision_id']}", expect=404)


def test_items_refer_to_an_activity_opened_earlier_in_the_batch(api: Api, store: EventStore) -> None:
    aid = str(uuid.uuid4())
    finding_id = str(uuid.uuid4())
    report = ingest(api.client, [
        item("open_activity", {**AUDIT, "activity_id": aid}),
        item("start_activity", target_id=aid),
        item("record_finding", {
            "finding_id": finding_id, "category": "area_for_improvement", "summary": "S",
            "themes": ["neglect"], "recorded_on": "2026-03-01",
        }, target_id=aid),
        item("report_activity", {"report_summary": "R", "reported_on": "2026-03-02"}, target_id=aid),
        item("make_recommendation", {
            "finding_ids": [finding_id], "text": "T", "addressed_to": ["partnership"],
            "made_on": "2026-03-02",
        }, target_id=aid),
    ])
    assert report["rejected"] == []
    assert [(a["id"], a["version"]) for a in report["applied"][:4]] == [(aid, 1), (aid, 2), (aid, 3), (aid, 4)]
    a = api.get(f"/activities/{aid}")
    assert a["status"] == "reported" and list(a["findings"]) == [finding_id]
    rec = api.get(f"/recommendations/{report['applied'][4]['id']}")
    assert rec["activity_id"] == aid
    assert [e.originator_version for e in events(store, aid)] == [1, 2, 3, 4]


def test_failing_item_in_the_middle_of_a_chain_leaves_the_rest_applied(api: Api) -> None:
    aid = str(uuid.uuid4())
    report = ingest(api.client, [
        item("open_activity", {**AUDIT, "activity_id": aid}),
        item("report_activity", {"report_summary": "R", "reported_on": "2026-03-02"}, target_id=aid),
        item("start_activity", target_id=aid),
    ])
    assert [a["index"] for a in report["applied"]] == [0, 2]
    assert [(r["index"], r["code"]) for r in report["rejected"]] == [(1, "invalid_status")]
    assert api.get(f"/activities/{aid}")["version"] == 2


def test_retried_item_with_idempotency_key_is_applied_once(api: Api, store: EventStore) -> None:
    aid = api.open_audit()["id"]
    keyed = item("start_activity", target_id=aid, idempotency_key="start-1")
    first = ingest(api.client, [keyed])
    assert first["applied"] == [{"index": 0, "id": aid, "version": 2, "replayed": False}]
    before = store.recorder.max_notification_id()

    retry = ingest(api.client, [item("open_activity", AUDIT), keyed])
    assert retry["rejected"] == []
    assert retry["applied"][1] == {"index": 1, "id": aid, "version": 2, "replayed": True}
    assert len(events(store, aid)) == 2
    # Only the new activity was recorded by the retry.
    assert store.recorder.max_notification_id() == before + 1

    reused = ingest(api.client, [{**keyed, "payload": {"rationale": "changed"}}])
    assert [(r["code"], r["field"]) for r in reused["rejected"]] == [("idempotency_key_reused", "Idempotency-Key")]


def test_key_repeated_within_a_batch_is_rejected(api: Api) -> None:
    report = ingest(api.client, [
        item("open_activity", AUDIT, idempotency_key="dup"),
        item("open_activity", AUDIT, idempotency_key="dup"),
    ])
    assert [a["index"] for a in report["applied"]] == [0]
    assert [(r["index"], r["code"]) for r in report["rejected"]] == [(1, "idempotency_key_repeated")]


def test_ingested_events_record_the_principal(api: Api, store: EventStore) -> None:
    key = create_api_key(store, PARTNERSHIP, "case-system", issued_by="test").key
    service = TestClient(api.client.app, headers={"X-API-Key": key})
    report = ingest(service, [item("open_activity", AUDIT)])
    (applied,) = report["applied"]
    assert [e.principal for e in events(store, applied["id"])] == ["service:case-system"]


def test_each_item_is_held_to_its_commands_rule(api: Api, store: EventStore) -> None:
    key = create_api_key(store, PARTNERSHIP, "case-system", issued_by="test").key
    service = TestClient(api.client.app, headers={"X-API-Key": key})
    agency = {"agency_id": "new-agency", "display_name": "New", "sector": "other"}
    report = ingest(service, [
        item("add_agency", agency),                                               # 0 configuration: admin only
        item("open_activity", AUDIT),                                             # 1 ok
        {**item("open_activity", AUDIT), "partnership_id": "wirral"},             # 2 not its partnership
        item("register_partnership", {"partnership_id": "wirral", "display_name": "W"}),  # 3 both
    ])
    assert [a["index"] for a in report["applied"]] == [1]
    assert [(r["index"], r["code"]) for r in report["rejected"]] == [
        (0, "forbidden_role"), (2, "other_partnership"), (3, "other_partnership"),
    ]
    # The admin may configure through ingest too.
    assert [a["index"] for a in ingest(api.client, [item("add_agency", agency)])["applied"]] == [0]


def test_an_empty_batch_records_nothing(api: Api, store: EventStore) -> None:
    before = store.recorder.max_notification_id()
    assert ingest(api.client, []) == {"applied": [], "rejected": [], "position": None}
    assert store.recorder.max_notification_id() == before


@pytest.fixture
def small_batches(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(make_settings(tmp_path, ingest_max_items=2))
    with TestClient(app, headers=auth_headers(app)) as c:
        Api(c).register()
        yield c


def test_batch_over_the_item_limit_is_422(small_batches: TestClient) -> None:
    store: EventStore = small_batches.app.state.store  # type: ignore[attr-defined]
    before = store.recorder.max_notification_id()
    r = small_batches.post("/v1/ingest", json={"items": [item("open_activity", AUDIT)] * 3})
    assert r.status_code == 422
    assert (r.json()["error"]["code"], r.json()["error"]["field"]) == ("batch_too_large", "items")
    assert store.recorder.max_notification_id() == before
    assert len(ingest(small_batches, [item("open_activity", AUDIT)] * 2)["applied"]) == 2
