"""`as_of`: reading an aggregate as it stood at an earlier instant, replayed from its events."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from tests.e2e.conftest import Api, error_of


def _at(state: dict[str, Any]) -> dict[str, str]:
    # The instant of a state's last event: replaying to it gives exactly that state.
    return {"as_of": state["modified_on"]}


def test_activity_as_of_shows_the_earlier_state(api: Api) -> None:
    opened = api.open_audit()
    aid = opened["id"]
    started = api.act(aid, "start", {})
    api.finding(aid, agencies_concerned=[])

    then = api.get(f"/activities/{aid}", params=_at(opened))
    assert then["version"] == 1 and then["status"] == "opened" and then["findings"] == {}
    then = api.get(f"/activities/{aid}", params=_at(started))
    assert then["version"] == 2 and then["status"] == "in_progress" and then["findings"] == {}
    now = api.get(f"/activities/{aid}")
    assert now["version"] == 3 and len(now["findings"]) == 1


def test_activity_as_of_before_it_existed_is_404(api: Api) -> None:
    aid = api.open_audit()["id"]
    r = api.client.get(f"{api.base}/activities/{aid}", params={"as_of": "2020-01-01T00:00:00+00:00"})
    assert r.status_code == 404
    assert error_of(r)["code"] == "unknown_activity"


def test_recommendation_as_of_shows_it_awaiting_decision(api: Api) -> None:
    pr, finding = api.reported_review()
    made = api.recommend(pr, finding)
    api.decide("recommendation", made["id"])

    assert api.get(f"/recommendations/{made['id']}")["status"] == "accepted"
    then = api.get(f"/recommendations/{made['id']}", params=_at(made))
    assert then["status"] == "awaiting_decision" and then["decision_ids"] == []
    assert then["version"] == 1


def test_action_as_of_shows_it_open_before_completion(api: Api) -> None:
    rec = api.accepted_recommendation()
    agreed = api.agree_action(rec)
    aid = agreed["id"]
    progressed = api.on_action(
        aid, "progress", {"noted_on": "2026-07-01", "note": "Begun.", "on_track": True}
    )
    api.on_action(
        aid, "completion", {"completed_on": "2026-08-01", "evidence": [{"description": "Audit"}]}
    )

    then = api.get(f"/actions/{aid}", params=_at(agreed))
    assert then["status"] == "open" and then["progress"] == [] and then["version"] == 1
    then = api.get(f"/actions/{aid}", params=_at(progressed))
    assert then["status"] == "open" and len(then["progress"]) == 1 and then["evidence"] == []
    assert api.get(f"/actions/{aid}")["status"] == "completed"


def test_as_of_with_an_offset_other_than_utc(api: Api) -> None:
    opened = api.open_audit()
    api.act(opened["id"], "start", {})
    # The same instant written as 01:00 ahead of UTC.
    instant = datetime.fromisoformat(opened["modified_on"].replace("Z", "+00:00"))
    local = instant.astimezone(timezone(timedelta(hours=1))).isoformat()
    then = api.get(f"/activities/{opened['id']}", params={"as_of": local})
    assert then["status"] == "opened"


def test_as_of_must_be_an_aware_instant(api: Api) -> None:
    aid = api.open_audit()["id"]
    for bad in ("2026-01-01T00:00:00", "yesterday"):
        r = api.client.get(f"{api.base}/activities/{aid}", params={"as_of": bad})
        assert r.status_code == 422, (bad, r.text)
        assert error_of(r)["field"] == "as_of"
