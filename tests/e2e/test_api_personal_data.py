"""Case files' personal details on a need to know, and retention as partnership data (issue 12).

- A command's answer never carries a child's name, date of birth or address, whoever sends it.
- A read gives them only to a role the partnership names (its admins by default), with a
  stated reason, and records the read (who, when, which subject and case file, why) in the
  audit trail and the case file's history, without the details. Every other reader sees
  that details exist, when they were recorded and who read them.
- How long each kind's details are kept is partnership data: a command changes it, and
  `lif subjects erase-due` follows the changed schedule.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI

from adapters.settings import Settings, get_settings
from domain.personal_data import add_years
from services import cli
from services.application.auth.principals import Role
from tests.e2e.conftest import BOARD, PARTNERSHIP, PRINCIPAL, Api, client_as, error_of

NAME = "Jemima Quenby-Foxglove"
DOB = "2015-04-09"
ADDRESS = "17 Wrenfield Crescent, Thatto Heath, St Helens WA9 5QX"
WHY = {"reason": "Preparing the rapid review panel"}
CASE_FILE = {
    "case_reference": "SHSCP-2026-014", "source_kind": "rapid_review", "role": "child", "name": NAME,
    "date_of_birth": DOB, "address": ADDRESS, "rationale": "Opened for the rapid review",
}


def _no_details(text: str) -> None:
    assert NAME not in text and "Jemima" not in text and DOB not in text
    assert "Wrenfield" not in text and "WA9 5QX" not in text


@pytest.fixture
def case_file(api: Api) -> dict[str, Any]:
    return api.post("/casefiles", CASE_FILE, expect=201)


def _url(case_file: dict[str, Any], tail: str = "") -> str:
    return f"/v1/partnerships/{PARTNERSHIP}/casefiles/{case_file['id']}{tail}"


def test_no_command_answers_with_personal_details(api: Api, app: FastAPI) -> None:
    service = client_as(app, Role.SERVICE, name="case-system")
    base = f"/v1/partnerships/{PARTNERSHIP}/casefiles"
    opened = service.post(base, json=CASE_FILE)
    assert opened.status_code == 201, opened.text
    url = f"{base}/{opened.json()['id']}"
    recorded = service.post(f"{url}/personal-details", json={"name": NAME, "date_of_birth": DOB, "address": ADDRESS})
    closed = service.post(f"{url}/close", json={"closed_on": datetime.now(UTC).date().isoformat()})
    for answer in (opened, recorded, closed):
        assert answer.status_code in (200, 201), answer.text
        _no_details(answer.text)
        assert "personal_details" not in answer.json() and answer.json()["details_recorded_at"]
    assert closed.json()["closed_on"] and closed.json()["version"] == 3


def test_a_scrutineer_sees_that_details_exist_and_who_read_them_never_the_details(
    api: Api, app: FastAPI, case_file: dict[str, Any]
) -> None:
    api.client.get(_url(case_file), params=WHY).raise_for_status()  # the admin reads them, with a reason
    scrutineer = client_as(app, Role.SCRUTINEER, name="inspector")
    r = scrutineer.get(_url(case_file), params=WHY)
    assert r.status_code == 200, r.text
    _no_details(r.text)
    body = r.json()
    assert body["personal_details"] is None and body["personal_details_withheld"] is True
    assert body["details_recorded_at"] == case_file["details_recorded_at"]
    assert [(read["principal"], read["reason"], read["read_in"]) for read in body["reads"]] == [
        (PRINCIPAL, WHY["reason"], "case_file"),
    ]
    history = scrutineer.get(_url(case_file, "/history"))
    assert history.status_code == 200, history.text
    _no_details(history.text)
    opened = history.json()["items"][0]["fields"]
    assert opened["personal_details"] is None and opened["personal_details_withheld"] is True
    # The scrutineer read nothing personal: the only read of the details is still the admin's.
    assert len(scrutineer.get(_url(case_file)).json()["reads"]) == 1


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reading_details_without_a_reason_is_refused(api: Api, case_file: dict[str, Any], reason: str | None) -> None:
    for tail in ("", "/history"):
        r = api.client.get(_url(case_file, tail), params={} if reason is None else {"reason": reason})
        assert r.status_code == 422, r.text
        error = error_of(r)
        assert (error["code"], error["field"]) == ("reason_required", "reason")
    assert api.client.get(_url(case_file), params={"reason": "x" * 501}).status_code == 422


def test_each_read_of_details_is_in_the_audit_trail_and_the_case_files_history(
    api: Api, app: FastAPI, case_file: dict[str, Any]
) -> None:
    read = api.client.get(_url(case_file), params=WHY)
    assert read.status_code == 200, read.text
    assert read.json()["personal_details"] == {"name": NAME, "date_of_birth": DOB, "address": ADDRESS}
    assert read.json()["personal_details_withheld"] is False
    history = api.client.get(_url(case_file, "/history"), params={"reason": "Checking a correction"})
    assert history.json()["items"][0]["fields"]["personal_details"]["name"] == NAME
    assert history.json()["items"][0]["fields"]["personal_details"]["address"] == ADDRESS

    scrutineer = client_as(app, Role.SCRUTINEER, name="inspector")
    page = scrutineer.get(f"/v1/partnerships/{PARTNERSHIP}/audit", params={
        "topic": "lif.case_file.personal_details_read", "min_position": api_head(app),
    })
    assert page.status_code == 200, page.text
    _no_details(page.text)
    reads = page.json()["items"]
    assert [(i["principal"], i["rationale"], i["payload"]["read_in"]) for i in reads] == [
        (PRINCIPAL, WHY["reason"], "case_file"), (PRINCIPAL, "Checking a correction", "history"),
    ]
    assert {i["payload"]["case_file_id"] for i in reads} == {case_file["id"]}
    assert {i["payload"]["subject_ref"] for i in reads} == {case_file["subject_ref"]}
    assert all(case_file["subject_ref"] in i["summary"] and case_file["id"] in i["summary"] for i in reads)
    # Filed under the case file: its entity history has them beside its own events.
    entity = api.get(f"/entities/{case_file['id']}/history", params={"min_position": api_head(app)})
    topics = [i["topic"] for i in entity["items"]]
    assert topics == ["lif.case_file.opened", *["lif.case_file.personal_details_read"] * 2]
    _no_details(str(entity))


def test_a_case_files_address_is_screened_out_of_free_text_as_it_stands(
    api: Api, case_file: dict[str, Any]
) -> None:
    """Before, an address could be recorded only in free text; now it is a detail of the case
    file, encrypted with the name, and free text holding it (its first line, its postcode
    written any way) is refused as a known address, the address corrected from the next command."""
    for title in ("Visits to 17 Wrenfield Crescent", "Visits to 17 WRENFIELD CRES.", "Area wa95qx"):
        r = api.client.post(f"{api.base}/activities", json={
            "kind": "thematic_audit", "title": title, "opened_on": "2026-02-02", "scope": "Ten cases of neglect.",
        })
        assert r.status_code == 422, r.text
        error = error_of(r)
        assert (error["code"], error["field"]) == ("text_contains_known_address", "title")
        _no_details(r.text)
    moved = "3 Quarrybank Mews, Parr, St Helens"
    api.post(f"/casefiles/{case_file['id']}/personal-details", {"name": NAME, "date_of_birth": DOB, "address": moved})
    assert api.get(f"/casefiles/{case_file['id']}", params=WHY)["personal_details"]["address"] == moved
    r = api.client.post(f"{api.base}/activities/{api.open_audit()['id']}/findings", json={
        "category": "area_for_improvement", "summary": "No home visit at 3 Quarrybank Mews for six weeks.",
        "themes": ["neglect"], "recorded_on": "2026-02-03",
    })
    assert r.status_code == 422 and error_of(r)["code"] == "text_contains_known_address", r.text
    # The address held before the correction is no longer the case file's (and has no postcode).
    api.open_audit(title="Visits to 17 Wrenfield Crescent")


def api_head(app: FastAPI) -> int:
    return int(app.state.store.recorder.max_notification_id())


def test_a_partnership_names_who_reads_details(api: Api, app: FastAPI, case_file: dict[str, Any]) -> None:
    secretary = client_as(app, Role.SECRETARY, forum=BOARD)
    refused = secretary.get(_url(case_file), params=WHY)
    assert refused.status_code == 403 and error_of(refused)["code"] == "out_of_scope"

    readers = {"roles": ["admin", "secretary"]}
    unreasoned = api.client.post(f"/v1/partnerships/{PARTNERSHIP}/personal-data-readers", json=readers)
    assert unreasoned.status_code == 422 and error_of(unreasoned)["field"] == "rationale"
    assert api.client.post(f"/v1/partnerships/{PARTNERSHIP}/personal-data-readers", json={"roles": ["service"]}
                           ).status_code == 422  # a machine is never a reader
    partnership = api.post("/personal-data-readers", {**readers, "rationale": "Panel secretaries prepare the papers"})
    assert partnership["personal_data_readers"] == ["admin", "secretary"]

    assert secretary.get(_url(case_file)).status_code == 422  # a reader too needs a reason
    r = secretary.get(_url(case_file), params=WHY)
    assert r.status_code == 200, r.text
    assert r.json()["personal_details"]["name"] == NAME
    assert r.json()["reads"][-1]["principal"] == f"secretary:{BOARD}:alice"
    # An agency is still not named: the case file is outside its scope.
    police = client_as(app, Role.AGENCY, agency="merseyside-police")
    assert police.get(_url(case_file), params=WHY).status_code == 403

    # Without the admins, the admin reads the file with the details withheld, and no read is recorded.
    api.post("/personal-data-readers", {"roles": ["secretary"], "rationale": "Only the panel's secretaries"})
    admin = api.client.get(_url(case_file))
    assert admin.status_code == 200 and admin.json()["personal_details_withheld"] is True
    _no_details(admin.text)
    assert len(admin.json()["reads"]) == 1


@pytest.fixture
def lif_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("LIF_PERSISTENCE", settings.persistence)
    monkeypatch.setenv("LIF_SQLITE_PATH", settings.sqlite_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_retention_period_changed_by_command_changes_what_erase_due_erases(
    api: Api, lif_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    today = datetime.now(UTC).date()
    audit = api.post("/casefiles", {**CASE_FILE, "source_kind": "thematic_audit"}, expect=201)
    closed = api.post(f"/casefiles/{audit['id']}/close", {"closed_on": today.isoformat()})
    assert closed["retention_ends_on"] == add_years(today, 6).isoformat()  # the seed's schedule
    two_years_on = add_years(today, 2).isoformat()
    dpo = ["--principal", "dpo@st-helens", "--today", two_years_on]
    assert cli.main(["subjects", "erase-due", *dpo, "--dry-run"]) == 0
    assert audit["subject_ref"] not in capsys.readouterr().out

    period = {"source_kind": "thematic_audit", "retention_years": 2}
    assert api.client.post(f"/v1/partnerships/{PARTNERSHIP}/retention", json=period).status_code == 422  # why?
    partnership = api.post("/retention", {**period, "rationale": "The partnership's records policy, 2026 review"})
    assert partnership["retention_years"]["thematic_audit"] == 2
    assert partnership["retention_years"]["rapid_review"] == 25  # other kinds keep the seed's
    after = api.get(f"/casefiles/{audit['id']}", params=WHY)
    assert after["retention_ends_on"] == two_years_on

    assert cli.main(["subjects", "erase-due", *dpo]) == 0
    out = capsys.readouterr().out
    assert f"erased {audit['subject_ref']} as due" in out and "1 subject(s) erased" in out
    assert api.get(f"/casefiles/{audit['id']}", params=WHY)["personal_details"] == "[redacted]"
