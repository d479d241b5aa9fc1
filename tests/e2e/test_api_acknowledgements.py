"""Agencies acknowledge learning over HTTP; admins list who has not yet."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.application.auth.principals import Role
from tests.e2e.conftest import BASE, COUNCIL, POLICE, Api, client_as, error_of


def test_an_agency_acknowledges_for_itself_and_the_list_shows_who_is_missing(api: Api, app: FastAPI) -> None:
    pr, _ = api.reported_review()  # the finding concerns the police
    police: TestClient = client_as(app, Role.AGENCY, agency=POLICE, name="jdoe")
    ack = {"agency_id": POLICE, "acknowledged_on": "2026-06-20", "cascaded_by": ["team_briefing"]}
    r = police.post(f"{BASE}/activities/{pr}/acknowledgements", json=ack)
    assert r.status_code == 409 and error_of(r)["code"] == "invalid_status"  # not signed off yet
    api.decide("activity_sign_off", pr)

    r = police.post(f"{BASE}/activities/{pr}/acknowledgements", json={**ack, "agency_id": COUNCIL})
    assert r.status_code == 403 and error_of(r)["code"] == "out_of_scope"
    r = police.post(f"{BASE}/activities/{pr}/acknowledgements", json={**ack, "cascaded_by": []})
    assert r.status_code == 422 and error_of(r)["code"] == "cascade_method_required"
    r = police.post(f"{BASE}/activities/{pr}/acknowledgements", json=ack)
    assert r.status_code == 200, r.text
    assert r.json()["acknowledgements"][POLICE]["cascaded_by"] == ["team_briefing"]
    position = r.headers["Lif-Position"]
    r = police.post(f"{BASE}/activities/{pr}/acknowledgements", json=ack)
    assert r.status_code == 409 and error_of(r)["code"] == "already_acknowledged"

    listed = api.get("/acknowledgements", params={"activity_id": pr, "min_position": position})
    [row] = listed["items"]
    assert (row["activity_id"], row["status"]) == (pr, "signed_off")
    assert POLICE in row["expected"] and POLICE not in row["missing"]
    assert [(a["agency_id"], a["cascaded_by"]) for a in row["acknowledged"]] == [(POLICE, ["team_briefing"])]
    assert api.get("/acknowledgements", params={"activity_id": api.open_audit()["id"]})["items"] == []
