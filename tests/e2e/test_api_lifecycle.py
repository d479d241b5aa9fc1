"""Every command route, through the whole life of a practice review and its actions."""

from __future__ import annotations

from uuid import UUID

from fastapi.testclient import TestClient

from adapters.store import EventStore
from services.api.schemas.activities import ActivityRecord
from services.application.auth.apikeys import create_api_key
from services.application.auth.principals import Role
from tests.e2e.conftest import (
    BASE,
    BOARD,
    COUNCIL,
    CVS,
    PARTNERSHIP,
    POLICE,
    PRINCIPAL,
    Api,
    client_as,
    events,
)


def test_register_partnership_answers_201_and_reads_back(client: TestClient) -> None:
    r = client.post(
        "/v1/partnerships",
        json={"partnership_id": PARTNERSHIP, "display_name": "St Helens Safeguarding Children"},
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["partnership_id"] == PARTNERSHIP
    assert created["name"] == "St Helens Safeguarding Children"
    assert BOARD in created["forums"]
    assert POLICE in created["agencies"]

    got = client.get(BASE)
    assert got.status_code == 200
    body = got.json()
    assert body["id"] == created["id"]
    assert body["version"] == created["version"]
    assert body["routing"]["safeguarding_practice_review"]["sign_off_forum"] == BOARD


def test_partnership_reference_data_routes(api: Api) -> None:
    p = api.post("/agencies", {"agency_id": "halton-nhs", "display_name": "Halton NHS", "sector": "health"})
    assert p["agencies"]["halton-nhs"]["sector"] == "health"
    p = api.post("/webhooks", {"agency_id": "halton-nhs", "webhook_url": "https://halton.example/hook"})
    assert p["agencies"]["halton-nhs"]["webhook_url"] == "https://halton.example/hook"
    p = api.post("/forums", {"forum_id": "neglect-subgroup", "display_name": "Neglect subgroup"})
    assert p["forums"]["neglect-subgroup"]["name"] == "Neglect subgroup"
    p = api.post("/meetings", {"forum_id": "neglect-subgroup", "meets_on": "2026-07-01"})
    assert p["forums"]["neglect-subgroup"]["meetings"] == ["2026-07-01"]
    p = api.post(
        "/routing",
        {
            "source_kind": "thematic_audit",
            "points_of_dissemination": ["neglect-subgroup", BOARD],
            "sign_off_forum": "neglect-subgroup",
        },
    )
    assert p["routing"]["thematic_audit"] == {
        "points_of_dissemination": ["neglect-subgroup", BOARD],
        "sign_off_forum": "neglect-subgroup",
    }
    p = api.post("/subscriptions", {"agency_id": "halton-nhs", "themes": ["neglect"]})
    assert p["subscriptions"]["halton-nhs"]["themes"] == ["neglect"]
    assert api.get("") == p  # a read and a command answer have one shape
    p = api.post("/subscriptions/cancel", {"agency_id": "halton-nhs"})
    assert "halton-nhs" not in p["subscriptions"]


def test_practice_review_from_rapid_review_to_closure(api: Api, store: EventStore) -> None:
    # Rapid review of a serious incident.
    rr = api.open_rapid_review()
    assert rr["status"] == "opened" and rr["aware_on"] == "2026-03-02"
    rr = api.act(rr["id"], "serious-incident-notification", {"notified_on": "2026-03-04"})
    assert rr["notified_on"] == "2026-03-04"
    rr = api.act(rr["id"], "rapid-review-completion", {"completed_on": "2026-03-20"})
    assert rr["rapid_review_completed_on"] == "2026-03-20"
    rr_clocks = {d["clock"]: d for d in api.get(f"/activities/{rr['id']}")["deadlines"]}
    assert rr_clocks["serious_incident_notification"]["met_on"] == "2026-03-04"
    assert rr_clocks["rapid_review"]["met_on"] == "2026-03-20"

    # It leads to a practice review on the same case, which runs its own publication clock.
    pr = api.open_practice_review(rr["id"])
    assert pr["originating_activity_id"] == rr["id"]
    assert pr["case_reference"] == "SHSCP-R014"
    assert pr["initiated_on"] == "2026-03-25"
    pid = pr["id"]

    a = api.act(pid, "agencies", {"agency_id": POLICE})
    assert a["agencies_involved"] == [POLICE]
    a = api.act(pid, "lead-reviewer", {"reviewer_name": "Jo Bloggs", "agency_id": CVS})
    assert a["lead_reviewer"] == {"name": "Jo Bloggs", "agency_id": CVS}
    a = api.act(pid, "start", {})
    assert a["status"] == "in_progress"
    a = api.finding(pid)
    (finding_id,) = a["findings"]
    assert a["findings"][finding_id]["themes"] == ["information_sharing", "male_carers"]
    a = api.finding(pid, category="good_practice", themes=["voice_of_the_child"], agencies_concerned=[])
    assert len(a["findings"]) == 2

    view = api.get(f"/activities/{pid}")
    assert view["sign_off"]["ready"] is False
    assert {m["code"] for m in view["sign_off"]["missing"]} == {
        "practitioner_involvement_required",
        "family_involvement_offer_required",
        "child_voice_required",
    }

    api.act(pid, "practitioner-involvement", {"summary": "Two practitioner events."})
    a = api.act(
        pid, "family-involvement",
        {"offered_on": "2026-04-20", "response": "accepted", "summary": "Mother met the lead."},
    )
    assert a["family_involvement"]["response"] == "accepted"
    a = api.act(pid, "report", {"report_summary": "Learning about fathers.", "reported_on": "2026-06-01"})
    assert a["status"] == "reported"
    # The child's voice may still be recorded once the report is written.
    a = api.act(pid, "child-voice", {"summary": "Nursery notes of what R said."})
    assert a["child_voice"] == "Nursery notes of what R said."
    assert api.get(f"/activities/{pid}")["sign_off"] == {"ready": True, "missing": []}
    a = api.act(pid, "publication-plan", {"planned_on": "2026-09-01"})
    assert a["planned_publication_on"] == "2026-09-01"

    # The Board, the sign-off forum for a practice review, accepts it.
    decision = api.decide("activity_sign_off", pid)
    assert decision["type"] == "decision"
    assert decision["forum_id"] == BOARD and decision["outcome"] == "accept"
    assert decision["rationale"] == "The Board agreed the learning."
    a = api.get(f"/activities/{pid}")
    assert a["status"] == "signed_off"
    assert a["signed_off_by_decision"] == decision["id"]
    assert a["signed_off_by_forum"] == BOARD
    assert api.get(f"/decisions/{decision['id']}")["subject_id"] == pid

    a = api.act(pid, "final-report", {"sent_on": "2026-08-14"})
    assert a["final_report_sent_on"] == "2026-08-14"
    a = api.act(pid, "publication", {"published_on": "2026-09-01", "url": "https://sh.example/r"})
    assert a["status"] == "published" and a["publication_url"] == "https://sh.example/r"
    a = api.act(pid, "closure", {"closed_on": "2026-09-30"})
    assert a["status"] == "closed" and a["closed_on"] == "2026-09-30"

    view = api.get(f"/activities/{pid}")
    clocks = {d["clock"]: d for d in view["deadlines"]}
    assert clocks["practice_review_publication"]["status"] == "met"
    assert clocks["final_report_to_panel"]["met_on"] == "2026-08-14"
    # Every step is one event on the activity, each with the acting principal.
    history = events(store, pid)
    assert [e.originator_version for e in history] == list(range(1, a["version"] + 1))
    assert {e.principal for e in history} == {PRINCIPAL}


def test_recommendation_to_assured_action_and_reopening(api: Api, store: EventStore) -> None:
    pr, finding_id = api.reported_review()
    api.decide("activity_sign_off", pr)

    rec = api.recommend(pr, finding_id)
    assert rec["type"] == "recommendation"
    assert rec["status"] == "awaiting_decision"
    assert rec["activity_id"] == pr and rec["finding_ids"] == [finding_id]
    decision = api.decide("recommendation", rec["id"])
    got = api.get(f"/recommendations/{rec['id']}")
    assert got["status"] == "accepted"
    assert got["decision_ids"] == [decision["id"]]

    action = api.agree_action(rec["id"])
    assert action["type"] == "action"
    assert action["status"] == "open"
    assert action["recommendation_id"] == rec["id"] and action["activity_id"] == pr
    aid = action["id"]
    a = api.on_action(aid, "progress", {"noted_on": "2026-07-01", "note": "Field designed.", "on_track": False})
    assert a["progress"] == [{"noted_on": "2026-07-01", "note": "Field designed.", "on_track": False}]
    a = api.on_action(aid, "reschedule", {"due_on": "2026-10-31", "rationale": "Supplier delay."})
    assert a["due_on"] == "2026-10-31"
    a = api.on_action(
        aid, "completion",
        {"completed_on": "2026-10-20", "evidence": [{"description": "Screenshot", "reference": "DOC-1"}]},
    )
    assert a["status"] == "completed"
    assert a["evidence"] == [{"description": "Screenshot", "reference": "DOC-1"}]
    a = api.on_action(aid, "assurance", {"assured_on": "2026-12-01", "impact_statement": "Audit: 9/10."})
    assert a["status"] == "assured" and a["impact_statement"] == "Audit: 9/10."
    a = api.on_action(aid, "reopening", {"reason": "Re-audit found gaps.", "due_on": "2027-03-31"})
    assert a["status"] == "open" and a["reopened"] == 1 and a["impact_statement"] is None

    got = api.get(f"/actions/{aid}")
    assert got["version"] == 6 == a["version"]
    assert [type(e).__name__ for e in events(store, aid)] == [
        "ActionAgreed", "ActionProgressNoted", "ActionRescheduled", "ActionCompleted",
        "ActionImpactAssured", "ActionReopened",
    ]
    # The rationale given with a command is kept on its event for the audit trail.
    assert events(store, aid)[2].rationale == "Supplier delay."


def test_get_of_each_aggregate(api: Api, store: EventStore) -> None:
    pr, finding_id = api.reported_review()
    rec = api.recommend(pr, finding_id)
    decision = api.decide("recommendation", rec["id"])
    action = api.agree_action(rec["id"])

    assert api.get("")["partnership_id"] == PARTNERSHIP
    view = api.get(f"/activities/{pr}")
    # The record as its commands answer it, flat, with the read-only facts beside it.
    beside = {"deadlines", "sign_off", "kinds_of_learning", "key_stakeholders"}
    assert set(view) == set(ActivityRecord.model_fields) | beside
    assert view["type"] == "activity"
    assert view["id"] == pr and view["status"] == "reported"
    assert "practice_review_publication" in {d["clock"] for d in view["deadlines"]}
    assert api.get(f"/recommendations/{rec['id']}")["id"] == rec["id"]
    got = api.get(f"/decisions/{decision['id']}")
    assert got["subject"] == "recommendation" and got["subject_id"] == rec["id"]
    assert api.get(f"/actions/{action['id']}")["owner_agency_id"] == POLICE
    # Reads record nothing.
    assert len(events(store, pr)) == view["version"]


def test_the_tokens_subject_is_recorded_on_every_stored_event(
    api: Api, client: TestClient, store: EventStore
) -> None:
    bob = client_as(client.app, Role.ADMIN, name="bob.smith")  # type: ignore[arg-type]
    r = bob.post(
        f"{BASE}/activities",
        json={
            "kind": "thematic_audit", "title": "Audit", "opened_on": "2026-02-02", "scope": "Neglect.",
            "agencies_involved": [COUNCIL],
        },
    )
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    key = create_api_key(store, PARTNERSHIP, "ai-bot", issued_by="test").key
    r = TestClient(client.app).post(f"{BASE}/activities/{aid}/start", json={}, headers={"X-API-Key": key})
    assert r.status_code == 200, r.text
    assert [e.principal for e in events(store, aid)] == ["admin:bob.smith", "service:ai-bot"]

    # Without credentials nothing is done, so nothing is ever recorded as anonymous.
    no_header = TestClient(client.app)
    r = no_header.post(f"{BASE}/activities/{aid}/agencies", json={"agency_id": POLICE})
    assert r.status_code == 401, r.text
    assert len(events(store, aid)) == 2
    # The partnership's own events carry whoever registered it.
    assert {e.principal for e in events(store, UUID(api.get("")["id"]))} == {PRINCIPAL}
