"""The two readings of "as at" on the API: `as_of` (what lif had recorded by an instant) and
`as_at_day` (what the records' own dates say held on a day; services/application/as_at.py).

The history here is recorded in one go, as the demo's is: every instant before the test is
empty by `as_of`, while `as_at_day` walks the records through the days they name.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.e2e.conftest import Api, error_of

BEFORE_ANY = (datetime.now(UTC) - timedelta(days=1)).isoformat()


def _day(day: str) -> dict[str, str]:
    return {"as_at_day": day}


def test_an_action_read_by_its_own_dates(api: Api) -> None:
    recommendation = api.accepted_recommendation()  # made 2026-06-02, accepted at the meeting of 2026-06-15
    aid = api.agree_action(recommendation)["id"]  # due 2026-09-30
    api.on_action(aid, "progress", {"noted_on": "2026-07-01", "note": "Begun.", "on_track": True})
    api.on_action(aid, "completion", {"completed_on": "2026-08-01", "evidence": [{"description": "Audit"}]})

    before = api.client.get(f"{api.base}/actions/{aid}", params=_day("2026-06-14"))
    assert before.status_code == 404 and error_of(before)["code"] == "unknown_action"
    agreed = api.get(f"/actions/{aid}", params=_day("2026-06-15"))
    assert agreed["status"] == "open" and agreed["progress"] == [] and agreed["version"] == 1
    noted = api.get(f"/actions/{aid}", params=_day("2026-07-31"))
    assert noted["status"] == "open" and [p["noted_on"] for p in noted["progress"]] == ["2026-07-01"]
    done = api.get(f"/actions/{aid}", params=_day("2026-08-01"))
    assert done["status"] == "completed" and done["completed_on"] == "2026-08-01"
    # The same action by the other reading: nothing was recorded before the test began.
    assert api.client.get(f"{api.base}/actions/{aid}", params={"as_of": BEFORE_ANY}).status_code == 404


def test_a_recommendation_and_its_decision_read_by_their_own_dates(api: Api) -> None:
    pr, finding = api.reported_review()
    rid = api.recommend(pr, finding)["id"]  # made 2026-06-02
    decision = api.decide("recommendation", rid)  # meeting of 2026-06-15

    assert api.client.get(f"{api.base}/recommendations/{rid}", params=_day("2026-06-01")).status_code == 404
    waiting = api.get(f"/recommendations/{rid}", params=_day("2026-06-14"))
    assert waiting["status"] == "awaiting_decision" and waiting["decision_ids"] == []
    assert api.get(f"/recommendations/{rid}", params=_day("2026-06-15"))["status"] == "accepted"

    did = decision["id"]
    assert api.client.get(f"{api.base}/decisions/{did}", params=_day("2026-06-14")).status_code == 404
    assert api.get(f"/decisions/{did}", params=_day("2026-06-15"))["outcome"] == "accept"
    assert api.client.get(f"{api.base}/decisions/{did}", params={"as_of": BEFORE_ANY}).status_code == 404


def test_an_activity_read_by_its_own_dates_judges_its_deadlines_on_that_day(api: Api) -> None:
    pr, _ = api.reported_review()  # opened 2026-03-25, finding recorded 2026-05-11, reported 2026-06-01

    assert api.client.get(f"{api.base}/activities/{pr}", params=_day("2026-03-24")).status_code == 404
    opened = api.get(f"/activities/{pr}", params=_day("2026-03-25"))
    assert opened["findings"] == {} and opened["reported_on"] is None
    found = api.get(f"/activities/{pr}", params=_day("2026-05-11"))
    assert len(found["findings"]) == 1 and found["status"] != "reported"
    reported = api.get(f"/activities/{pr}", params=_day("2026-06-01"))
    assert reported["status"] == "reported" and reported["reported_on"] == "2026-06-01"
    now = api.get(f"/activities/{pr}")
    remaining = {d["clock"]: d["working_days_remaining"] for d in now["deadlines"]}
    earlier = {d["clock"]: d["working_days_remaining"] for d in opened["deadlines"]}
    # The clocks are judged on the day asked for, not today.
    assert any(earlier[c] is not None and remaining[c] is not None and earlier[c] > remaining[c] for c in earlier)


def test_the_tracker_rebuilt_by_the_records_own_dates(api: Api) -> None:
    aid = api.open_action()  # recommendation accepted 2026-06-15; due 2026-09-30
    api.on_action(aid, "completion", {"completed_on": "2026-08-01", "evidence": [{"description": "Audit"}]})

    empty = api.get("/tracker", params=_day("2026-06-14"))
    assert empty["items"] == [] and empty["as_at_day"] == "2026-06-14" and empty["today"] == "2026-06-14"
    july = api.get("/tracker", params=_day("2026-07-01"))
    assert [(r["action_id"], r["status"], r["rag"]) for r in july["items"]] == [(aid, "open", "green")]
    august = api.get("/tracker", params=_day("2026-08-01"))
    assert [(r["status"], r["rag"]) for r in august["items"]] == [("completed", "completed")]
    assert api.get("/tracker", params={"as_of": BEFORE_ANY})["items"] == []


def test_one_reading_at_a_time(api: Api) -> None:
    aid = api.open_action()
    for path in (f"/actions/{aid}", "/tracker"):
        r = api.client.get(f"{api.base}{path}", params={"as_of": BEFORE_ANY, "as_at_day": "2026-07-01"})
        assert r.status_code == 422, path
        assert error_of(r)["code"] == "two_readings" and error_of(r)["field"] == "as_at_day"
    bad = api.client.get(f"{api.base}/actions/{aid}", params={"as_at_day": "2026-13-01"})
    assert bad.status_code == 422 and error_of(bad)["field"] == "as_at_day"
