"""Strict input over HTTP, on the SQLite file and on PostgreSQL (issue 9, strict input).

A date is YYYY-MM-DD only, an instant RFC 3339 with its offset, and text refuses
NUL, control and bidirectional override characters: each refusal is a 422 in the
standard error shape naming the field or query parameter, and nothing is stored.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from adapters.settings import Settings
from adapters.store import EventStore
from tests.e2e.conftest import BASE, PARTNERSHIP, Api, error_of, make_settings
from tests.integration.stores import postgres_settings

NUL, RLO, LRI = "\u0000", "\u202e", "\u2066"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "sqlite":
        return make_settings(tmp_path)
    return postgres_settings(request.getfixturevalue("postgres_dsn"))


def refused(response: Any, code: str, field: str) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    detail = error_of(response)
    assert (detail["code"], detail["field"]) == (code, field), detail
    return detail


def head(store: EventStore) -> int:
    return store.recorder.max_notification_id() or 0


# --- dates ------------------------------------------------------------------------


@pytest.mark.parametrize("due_on", ["2027-10-29T00:00:00", "2027-10-29T00:00:00Z", 20271029, "20271029", 0, "0",
                                    1.5, "2027-W43-5", "2027-1-9", "2027-02-30", " 2027-10-29"])
def test_an_action_is_due_on_a_date_and_nothing_else(api: Api, store: EventStore, due_on: Any) -> None:
    recommendation = api.accepted_recommendation()
    before = head(store)
    r = api.client.post(f"{BASE}/recommendations/{recommendation}/actions", json={
        "owner_agency_id": "merseyside-police", "description": "Add a field.", "due_on": due_on,
    })
    detail = refused(r, "invalid_date", "due_on")
    assert "YYYY-MM-DD" in detail["message"] or "calendar date" in detail["message"]
    assert head(store) == before


def test_a_date_written_yyyy_mm_dd_is_accepted(api: Api) -> None:
    action = api.agree_action(api.accepted_recommendation(), due_on="2027-10-29")
    assert action["due_on"] == "2027-10-29"


def test_a_timestamp_is_not_an_opening_date(api: Api) -> None:
    r = api.client.post(f"{BASE}/activities", json={
        "kind": "thematic_audit", "title": "Neglect", "opened_on": 0, "scope": "Ten cases.",
    })
    refused(r, "invalid_date", "opened_on")


@pytest.mark.parametrize("path", ["/tracker", "/tracker.csv", "/deadlines", "/themes/trends"])
@pytest.mark.parametrize("today", ["0", "20271029", "2027-10-29T00:00:00"])
def test_today_in_a_query_is_a_date(api: Api, path: str, today: str) -> None:
    refused(api.client.get(BASE + path, params={"today": today}), "invalid_date", "today")


def test_today_as_a_date_is_used(api: Api) -> None:
    assert api.get("/tracker", params={"today": "2027-10-29"})["today"] == "2027-10-29"


def test_a_meeting_and_a_themes_bound_are_dates(api: Api) -> None:
    refused(api.client.get(f"{BASE}/forums/executive/agenda", params={"meeting_on": "0"}), "invalid_date",
            "meeting_on")
    # date.fromisoformat alone reads 20271029 as a date.
    refused(api.client.get(f"{BASE}/themes", params={"from": "20271029"}), "invalid_bound", "from")


# --- instants ---------------------------------------------------------------------


@pytest.mark.parametrize("until", ["0.5", "0", "1700000000", "2025-03-01", "2025-03-01T09:30:00",
                                   "2025-03-01 09:30:00Z"])
def test_audit_until_is_an_instant_with_an_offset(api: Api, until: str) -> None:
    detail = refused(api.client.get(f"{BASE}/audit", params={"until": until}), "invalid_instant", "until")
    assert "RFC 3339" in detail["message"]


def test_an_rfc_3339_instant_is_accepted(api: Api, store: EventStore) -> None:
    api.open_audit()
    # Read our own write: the audit view follows the log in the background.
    wait = {"min_position": str(head(store))}
    everything = api.get("/audit", params={
        "since": "2000-01-01T00:00:00+01:00", "until": "2999-12-31T23:59:59Z", **wait,
    })
    nothing = api.get("/audit", params={"until": "2000-01-01T00:00:00.5Z"})
    assert everything["items"] and nothing["items"] == []


def test_as_of_is_an_instant(api: Api) -> None:
    activity = api.open_audit()["id"]
    refused(api.client.get(f"{BASE}/activities/{activity}", params={"as_of": "0"}), "invalid_instant", "as_of")
    refused(api.client.get(f"{BASE}/tracker", params={"as_of": "2026-01-01T00:00:00"}), "invalid_instant", "as_of")


@pytest.mark.parametrize("value", ["1.0", " 1", "+1", "1_000", "-1e3", "\u0661"])
def test_a_log_position_is_ascii_digits(api: Api, value: str) -> None:
    refused(api.client.get(f"{BASE}/tracker", params={"min_position": value}), "invalid_whole_number",
            "min_position")


def test_a_count_keeps_its_range(api: Api) -> None:
    refused(api.client.get(f"{BASE}/audit", params={"limit": "0"}), "invalid_greater_than_equal", "limit")
    refused(api.client.get(f"{BASE}/audit", params={"limit": "1001"}), "invalid_less_than_equal", "limit")
    assert api.get("/audit", params={"limit": "1000"})["items"] is not None


# --- text ---------------------------------------------------------------------------


@pytest.mark.parametrize(("title", "named"), [
    (f"Neglect{NUL}audit", "U+0000 (NUL)"),
    (f"Audit of {RLO}gpj.exe", "U+202E (RIGHT-TO-LEFT OVERRIDE)"),
    (f"Audit {LRI}x", "U+2066 (LEFT-TO-RIGHT ISOLATE)"),
    ("Au\u0007dit", "U+0007"),
    ("Audit\u007f", "U+007F (DEL)"),
    ("Au\u0085dit", "U+0085"),
    ("Two\nlines", "U+000A (line feed)"),
])
def test_a_title_refuses_control_and_override_characters(
    api: Api, store: EventStore, title: str, named: str,
) -> None:
    before = head(store)
    r = api.client.post(f"{BASE}/activities", json={
        "kind": "thematic_audit", "title": title, "opened_on": "2026-02-02", "scope": "Ten cases.",
    })
    detail = refused(r, "invalid_text", "title")
    assert named in detail["message"]
    assert head(store) == before


def test_nested_and_listed_text_is_checked_too(api: Api) -> None:
    action = api.open_action()
    r = api.client.post(f"{BASE}/actions/{action}/completion", json={
        "completed_on": "2026-09-01", "evidence": [{"description": f"Audit{NUL} report"}],
    })
    refused(r, "invalid_text", "evidence.0.description")
    pr, _ = api.reported_review()
    r = api.client.post(f"{BASE}/decisions", json={
        "forum_id": "executive", "meeting_on": "2026-06-15", "subject": "activity_sign_off", "subject_id": pr,
        "outcome": "accept", "decided_by": [f"Chair {RLO}"],
    })
    refused(r, "invalid_text", "decided_by.0")
    r = api.client.post(f"{BASE}/activities", json={
        "kind": "thematic_audit", "title": "T", "opened_on": "2026-02-02", "scope": "S", "rationale": f"x{NUL}",
    })
    refused(r, "invalid_text", "rationale")


def test_text_is_stored_nfc_with_lf_line_endings(api: Api) -> None:
    opened = api.open_audit(title="Cafe\u0301 audit", scope="First line\r\nsecond line\rthird\tcolumn")
    activity = api.get(f"/activities/{opened['id']}")
    assert activity["title"] == "Caf\u00e9 audit"
    assert activity["scope"] == "First line\nsecond line\nthird\tcolumn"


def test_nul_in_a_query_never_reaches_the_database(api: Api) -> None:
    # On PostgreSQL a NUL in a query parameter is a driver error: it must be a 422 first.
    refused(api.client.get(f"{BASE}/tracker", params={"agency": f"police{NUL}"}), "invalid_string_pattern_mismatch",
            "agency")
    refused(api.client.get(f"{BASE}/audit", params={"topic": f"lif.action{NUL}"}), "invalid_string_pattern_mismatch",
            "topic")
    assert api.client.get(f"{BASE}/tracker", params={"agency": "merseyside-police"}).status_code == 200


# --- POST /v1/ingest ----------------------------------------------------------------


def test_ingest_rejects_each_bad_item_naming_its_field(api: Api, store: EventStore, client: TestClient) -> None:
    audit = {"kind": "thematic_audit", "title": "T", "opened_on": "2026-02-02", "scope": "S"}

    def item(payload: dict[str, Any], **fields: Any) -> dict[str, Any]:
        return {"partnership_id": PARTNERSHIP, "command": "open_activity", "payload": payload, **fields}

    before = head(store)
    r = client.post("/v1/ingest", json={"items": [
        item({**audit, "opened_on": "2026-02-02T00:00:00"}),
        item({**audit, "opened_on": 20260202}),
        item({**audit, "title": f"T{NUL}"}),
        item({**audit, "scope": f"{RLO}S"}),
        item(audit, idempotency_key=f"key{NUL}"),
        item(audit),
    ]})
    assert r.status_code == 200, r.text
    report = r.json()
    assert [(x["index"], x["code"], x["field"]) for x in report["rejected"]] == [
        (0, "invalid_date", "opened_on"),
        (1, "invalid_date", "opened_on"),
        (2, "invalid_text", "title"),
        (3, "invalid_text", "scope"),
        (4, "invalid_text", "idempotency_key"),
    ]
    assert all(x["message"] for x in report["rejected"])
    assert [a["index"] for a in report["applied"]] == [5]
    assert head(store) == before + 1


# --- the OpenAPI document ------------------------------------------------------------


def test_the_openapi_document_states_each_date_and_instant_parameter(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    formats = {"today": "date", "meeting_on": "date", "as_of": "date-time", "since": "date-time",
               "until": "date-time"}
    seen: set[str] = set()
    for ops in doc["paths"].values():
        for op in ops.values():
            for p in op.get("parameters", []):
                if p["name"] in formats:
                    seen.add(p["name"])
                    # The document leaves out the null of an optional parameter (services/api/app.py).
                    (schema,) = [s for s in p["schema"].get("anyOf", [p["schema"]]) if s["type"] != "null"]
                    assert schema["format"] == formats[p["name"]] and schema["pattern"], (p["name"], schema)
    assert seen == set(formats)
    opened = doc["components"]["schemas"]["OpenActivity"]["properties"]
    assert opened["opened_on"]["pattern"] == r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
    assert opened["title"]["maxLength"] == 300 and "\\u0000" in opened["title"]["pattern"]
