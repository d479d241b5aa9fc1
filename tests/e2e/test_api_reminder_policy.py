"""The reminder policy is partnership data over HTTP: the seed's values until set, a value left out keeps
its own, refusals name their field, and the audit trail says who changed it and why."""

from __future__ import annotations

from tests.e2e.conftest import Api, TestClient, error_of


def test_the_reminder_policy_is_set_over_http_and_shown_with_the_partnership(client: TestClient) -> None:
    api = Api(client)
    api.register()
    assert api.get("")["reminders"]["action_due_soon_working_days"] == 5
    body = api.post("/reminder-policy", {"action_due_soon_working_days": 10, "rationale": "Agencies asked."})
    assert body["reminders"]["action_due_soon_working_days"] == 10
    assert body["reminders"]["escalate_after_working_days"] == 10  # kept its own
    out_of_order = client.post(f"{api.base}/reminder-policy", json={"escalate_to_executive_after_working_days": 3})
    assert out_of_order.status_code == 409
    refused = error_of(out_of_order)
    assert (refused["code"], refused["field"]) == (
        "escalation_thresholds_out_of_order", "escalate_to_executive_after_working_days",
    )
    too_many = client.post(f"{api.base}/reminder-policy", json={"papers_due_working_days": 1000})
    assert too_many.status_code == 422 and error_of(too_many)["field"] == "papers_due_working_days"
    audit = api.get("/audit", params={"topic": "lif.partnership.reminder_policy_set", "min_position": api.position})
    (line,) = [e["summary"] for e in audit["items"]]
    assert line.startswith("Reminders: actions 10 working days before due;")
