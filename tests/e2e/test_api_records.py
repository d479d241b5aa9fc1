"""Every record stays true, through the API: ids taken once, corrections as events of
their own, dates that agree, and the rapid review's outcome recorded as a decision."""

from __future__ import annotations

from uuid import uuid4

from adapters.store import EventStore
from tests.e2e.conftest import BASE, BOARD, Api, error_of, events


def _refused(api: Api, path: str, body: dict[str, object], status: int) -> dict[str, str]:
    r = api.client.post(BASE + path, json=body)
    assert r.status_code == status, r.text
    return error_of(r)


def test_a_refused_sign_off_records_nothing_and_the_retry_on_a_meeting_day_signs_off(
    api: Api, store: EventStore,
) -> None:
    pr, _ = api.reported_review()
    before = api.get(f"/activities/{pr}")
    decision_id = str(uuid4())
    body = {
        "decision_id": decision_id, "forum_id": BOARD, "meeting_on": "2026-06-16", "subject": "activity_sign_off",
        "subject_id": pr, "outcome": "accept", "decided_by": ["Independent Chair"], "rationale": "Agreed.",
    }
    error = _refused(api, "/decisions", body, 409)
    assert (error["code"], error["field"]) == ("not_a_meeting_date", "meeting_on")
    assert "2026-06-16" in error["message"]
    # Nothing of it was recorded: no decision, the activity as it was.
    api.get(f"/decisions/{decision_id}", expect=404)
    assert events(store, decision_id) == []
    assert api.get(f"/activities/{pr}")["version"] == before["version"]
    # The retry with the Board's meeting day is the sign-off.
    decision = api.post("/decisions", {**body, "meeting_on": "2026-06-15"}, expect=201)
    assert decision["id"] == decision_id and decision["chairs_action"] is False
    after = api.get(f"/activities/{pr}")
    assert (after["status"], after["signed_off_on"], after["signed_off_by_decision"]) == (
        "signed_off", "2026-06-15", decision_id,
    )


def test_a_sign_off_between_meetings_is_a_chairs_action(api: Api) -> None:
    pr, _ = api.reported_review()
    decision = api.decide("activity_sign_off", pr, meeting_on="2026-06-16", chairs_action=True,
                          rationale="Chair's action: the publication date could not wait for the Board.")
    assert decision["chairs_action"] is True
    assert api.get(f"/activities/{pr}")["signed_off_on"] == "2026-06-16"


def test_a_decision_before_the_recommendation_was_made_is_refused(api: Api) -> None:
    pr, finding = api.reported_review()
    rec = api.recommend(pr, finding)["id"]  # made 2026-06-02
    error = api.decide("recommendation", rec, meeting_on="2026-03-24", expect=409)["error"]
    assert (error["code"], error["field"]) == ("date_out_of_order", "meeting_on")
    assert "2026-06-02" in error["message"]


def test_a_finding_dated_years_before_its_activity_opened_is_refused(api: Api) -> None:
    audit = api.open_audit()["id"]  # opened 2026-02-02
    api.act(audit, "start", {})
    error = _refused(api, f"/activities/{audit}/findings", {
        "category": "good_practice", "summary": "s", "themes": ["neglect"], "recorded_on": "2019-05-01",
    }, 409)
    assert (error["field"], "2026-02-02" in error["message"]) == ("recorded_on", True)


def test_a_finding_id_in_use_is_409_and_the_first_finding_stands(api: Api) -> None:
    first, second = api.open_audit()["id"], api.open_audit()["id"]
    finding_id = str(uuid4())
    for audit in (first, second):
        api.act(audit, "start", {})
    api.finding(first, finding_id=finding_id, recorded_on="2026-02-20")
    for audit in (first, second):
        error = _refused(api, f"/activities/{audit}/findings", {
            "finding_id": finding_id, "category": "good_practice", "summary": "Replaced?", "themes": ["neglect"],
            "recorded_on": "2026-02-21",
        }, 409)
        assert (error["code"], error["field"]) == ("finding_exists", "finding_id")
    kept = api.get(f"/activities/{first}")["findings"][finding_id]
    assert kept["summary"] == "Information about the father was not shared between agencies."
    assert api.get(f"/activities/{second}")["findings"] == {}


def test_a_finding_is_amended_and_withdrawn_by_events_of_their_own(api: Api, store: EventStore) -> None:
    audit = api.open_audit()["id"]
    api.act(audit, "start", {})
    finding_id = str(uuid4())
    api.finding(audit, finding_id=finding_id, recorded_on="2026-02-20")
    amendment = {
        "finding_id": finding_id, "category": "good_practice", "summary": "Shared, but late.",
        "themes": ["information_sharing"], "agencies_concerned": [], "amended_on": "2026-02-23",
    }
    error = _refused(api, f"/activities/{audit}/finding-amendments", amendment, 422)
    assert (error["code"], error["field"]) == ("rationale_required", "rationale")
    a = api.act(audit, "finding-amendments", {**amendment, "rationale": "Agencies' records checked again."})
    assert a["findings"][finding_id]["summary"] == "Shared, but late."
    assert a["findings"][finding_id]["amended_on"] == "2026-02-23"
    a = api.act(audit, "finding-withdrawals", {
        "finding_id": finding_id, "withdrawn_on": "2026-02-24", "rationale": "Outside the audit's scope.",
    })
    assert a["findings"][finding_id]["withdrawn_on"] == "2026-02-24"
    topics = [type(e).topic() for e in events(store, audit)]
    assert topics[-3:] == ["lif.activity.finding_recorded", "lif.activity.finding_amended",
                           "lif.activity.finding_withdrawn"]
    error = _refused(api, f"/activities/{audit}/report", {"report_summary": "S", "reported_on": "2026-03-01"}, 409)
    assert error["code"] == "findings_required"


def test_the_rapid_reviews_outcome_is_the_decision_the_practice_review_carries(api: Api) -> None:
    rr = api.open_rapid_review()["id"]
    error = _refused(api, "/activities", {
        "kind": "safeguarding_practice_review", "title": "CSPR", "opened_on": "2026-03-25", "scope": "s",
        "originating_activity_id": rr, "rationale": "Proportionate.",
    }, 409)
    assert (error["code"], error["field"]) == ("practice_review_not_commissioned", "originating_activity_id")
    a = api.act(rr, "rapid-review-recommendation", {
        "recommends": "practice_review", "reasons": "Serious harm; agencies did not share.",
        "recommended_on": "2026-03-20",
    })
    assert a["rapid_review_recommendation"]["recommends"] == "practice_review"
    a = api.act(rr, "panel-view", {"view": "agrees", "summary": "The Panel agrees.", "received_on": "2026-03-23"})
    assert a["panel_view"]["view"] == "agrees"
    decision = api.decide("practice_review_commissioning", rr, meeting_on="2026-03-24")
    rapid = api.get(f"/activities/{rr}")
    assert (rapid["commissioning_decision_id"], rapid["commissioning_outcome"]) == (decision["id"], "accept")
    pr = api.open_practice_review(rr)
    assert pr["commissioning_decision_id"] == decision["id"]


def test_a_met_deadline_has_no_working_days_remaining(api: Api) -> None:
    rr = api.open_rapid_review()["id"]
    api.act(rr, "serious-incident-notification", {"notified_on": "2026-03-04"})
    clocks = {d["clock"]: d for d in api.get(f"/activities/{rr}")["deadlines"]}
    assert clocks["serious_incident_notification"]["status"] == "met"
    assert clocks["serious_incident_notification"]["working_days_remaining"] is None
    assert isinstance(clocks["rapid_review"]["working_days_remaining"], int)
