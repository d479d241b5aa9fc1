"""Issue 12: every free-text field of every command is screened before anything is recorded.

A case file is opened for a child with a distinctive name and date of birth; then, for every
declared command, a valid payload carries the child's name (and, in another request, the
date of birth as 17/03/2014) in each of its free-text fields in turn, and each request is
refused (422) with that field named and the log's head unchanged. The fields are read off
the commands' types (domain/free_text.py), so a command added later is covered here too.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI

from adapters.store import EventStore
from domain.commands import DECLARATIONS
from domain.errors import InvalidInput
from domain.free_text import free_text_fields, screen_free_text
from domain.meeting_state import meeting_uuid
from services.api.routers.casefiles import personal_data_for
from services.seeds.scenario import command_paths
from tests.e2e.conftest import BOARD, COUNCIL, CVS, PARTNERSHIP, POLICE, Api, error_of

CHILD = "Zephyrine Quillfeather"
BORN = date(2014, 3, 17)
PLANTED = {
    "name": (f"Discussed with {CHILD} at school.", "text_contains_known_name"),
    "date of birth": ("The child, 17/03/2014, was seen at school.", "text_contains_known_date_of_birth"),
}
CLEAN = "Agencies shared what they knew about the family."


NEWSLETTER = "0b9f6f0e-5a55-4d8e-9d1e-5b0c8c1f2a01"


def _valid_payloads(ids: dict[str, str]) -> dict[str, dict[str, Any]]:
    """A payload each command's model accepts (the state it meets is not the point: the
    screen refuses before the target is loaded)."""
    finding = {"category": "area_for_improvement", "summary": CLEAN, "themes": ["information_sharing"]}
    return {
        "register_partnership": {"partnership_id": PARTNERSHIP, "display_name": "Safeguarding Partnership"},
        "add_agency": {"agency_id": "st-helens-schools", "display_name": "Schools", "sector": "education"},
        "register_webhook": {"agency_id": POLICE, "webhook_url": None},
        "add_forum": {"forum_id": "neglect-group", "display_name": "Neglect Group"},
        "schedule_meeting": {"forum_id": BOARD, "meets_on": "2026-09-01"},
        "set_routing": {"source_kind": "thematic_audit", "points_of_dissemination": [BOARD], "sign_off_forum": BOARD},
        "set_source_rules": {"source_kind": "thematic_audit", "requires_child_voice": True},
        "set_personal_data_readers": {"roles": ["admin"], "rationale": CLEAN},
        "set_retention_period": {"source_kind": "thematic_audit", "retention_years": 7, "rationale": CLEAN},
        "set_protective_marking": {"marking": "OFFICIAL", "rationale": CLEAN},
        "set_sign_in_claims": {"roles": {"lif.admin": "admin"}, "rationale": CLEAN},
        "set_reminder_policy": {"action_due_soon_working_days": 7, "rationale": CLEAN},
        "subscribe": {"agency_id": POLICE, "everything": True},
        "unsubscribe": {"agency_id": POLICE},
        "open_activity": {"kind": "thematic_audit", "title": "Thematic audit: neglect", "opened_on": "2026-02-02",
                          "scope": CLEAN, "case_reference": "SHSCP-A021"},
        "involve_agency": {"agency_id": CVS},
        "appoint_lead_reviewer": {"reviewer_name": "Independent Reviewer", "agency_id": None},
        "start_activity": {},
        "notify_serious_incident": {"notified_on": "2026-03-05"},
        "complete_rapid_review": {"completed_on": "2026-03-20"},
        "record_practitioner_involvement": {"summary": CLEAN},
        "offer_family_involvement": {"offered_on": "2026-04-20", "response": "accepted", "summary": CLEAN},
        "record_child_voice": {"summary": CLEAN},
        "record_finding": {**finding, "recorded_on": "2026-05-11"},
        "amend_finding": {**finding, "finding_id": ids["finding"], "amended_on": "2026-05-12"},
        "withdraw_finding": {"finding_id": ids["finding"], "withdrawn_on": "2026-05-12"},
        "record_rapid_review_recommendation": {"recommends": "practice_review", "reasons": CLEAN,
                                               "recommended_on": "2026-03-20"},
        "record_panel_view": {"view": "agrees", "summary": CLEAN, "received_on": "2026-03-23"},
        "report_activity": {"report_summary": CLEAN, "reported_on": "2026-06-01"},
        "plan_publication": {"planned_on": "2026-07-01"},
        "send_final_report": {"sent_on": "2026-07-02"},
        "publish_activity": {"published_on": "2026-07-03"},
        "close_activity": {"closed_on": "2026-07-04"},
        "acknowledge_learning": {"agency_id": POLICE, "acknowledged_on": "2026-06-20",
                                 "cascaded_by": ["team_briefing"], "notes": CLEAN},
        "draft_briefing": {"background": CLEAN, "what_happened": CLEAN, "what_we_found": CLEAN,
                           "what_went_well": CLEAN, "what_we_learned": CLEAN, "what_to_do_now": CLEAN,
                           "questions": ["What would you do differently?"], "drafted_on": "2026-06-02"},
        "edit_briefing": {"what_we_found": CLEAN, "questions": ["Who else knows this child?"],
                          "edited_on": "2026-06-03"},
        "approve_briefing": {"approved_by": "Business manager", "approved_on": "2026-06-04"},
        "publish_briefing": {"published_on": "2026-06-20"},
        "publish_yearly_report": {"period_from": "2025-04-01", "period_to": "2026-03-31",
                                  "anchor": "1:" + "0" * 64, "published_on": "2026-04-01"},
        "send_yearly_report_to_panel": {"period_to": "2026-03-31", "sent_on": "2026-04-02"},
        "draft_newsletter": {"title": CLEAN, "audience": "all", "period_from": "2026-04-01",
                             "period_to": "2026-06-30", "drafted_on": "2026-06-20"},
        "edit_newsletter": {"newsletter_id": NEWSLETTER, "title": CLEAN, "introduction": CLEAN,
                            "edited_on": "2026-06-21"},
        "approve_newsletter": {"newsletter_id": NEWSLETTER, "approved_by": "Business manager",
                               "approved_on": "2026-06-22"},
        "issue_newsletter": {"newsletter_id": NEWSLETTER, "issued_on": "2026-07-01"},
        "make_recommendation": {"finding_ids": [ids["finding"]], "text": CLEAN, "addressed_to": [POLICE],
                                "made_on": "2026-06-02"},
        "record_decision": {"forum_id": BOARD, "meeting_on": "2026-06-15", "subject": "recommendation",
                            "subject_id": ids["recommendation"], "outcome": "accept",
                            "decided_by": ["Independent Chair"], "rationale": CLEAN},
        "agree_action": {"owner_agency_id": COUNCIL, "description": CLEAN, "due_on": "2026-09-30"},
        "note_progress": {"noted_on": "2026-07-01", "note": CLEAN},
        "reschedule_action": {"due_on": "2026-10-30", "rationale": CLEAN},
        "complete_action": {"completed_on": "2026-07-10",
                            "evidence": [{"description": CLEAN, "reference": "Minutes of the July meeting"}]},
        "assure_action": {"assured_on": "2026-08-01", "impact_statement": CLEAN},
        "reopen_action": {"reason": CLEAN, "due_on": "2026-11-30"},
        "draft_agenda": {"forum_id": BOARD, "meets_on": "2026-06-15", "venue": "Town Hall", "starts_at": "10:00",
                         "chair": "Independent Chair", "drafted_on": "2026-06-01", "generated": [
                             {"item_id": "themes:period", "section": "themes", "title": "Themes",
                              "detail": CLEAN, "purpose": "for_information"}]},
        "add_agenda_item": {"title": "Neglect strategy", "purpose": "for_decision", "presenter": "Head of service",
                            "minutes_allowed": 15, "detail": CLEAN},
        "reorder_agenda": {"order": ["added-1", "themes:period"]},
        "remove_agenda_item": {"item_id": "added-1"},
        "publish_agenda": {"published_on": "2026-06-08"},
        "record_attendance": {"present": ["Independent Chair"], "apologies": ["Director of Public Health"],
                              "declarations": [{"person": "DCI Jones", "interest": CLEAN, "item_id": "added-1"}]},
        "record_minutes": {"item_id": "added-1", "minutes": CLEAN, "decision": CLEAN},
        "log_meeting_action": {"description": CLEAN, "owner_agency_id": POLICE, "due_on": "2026-07-01"},
        "complete_meeting_action": {"number": 1, "done_on": "2026-06-20"},
        "approve_minutes": {"approved_on": "2026-09-01"},
        "redact_text": {"aggregate_id": ids["activity_id"], "version": 1, "field": "title", "text": CLEAN,
                        "rationale": CLEAN},
    }


def _plant(payload: dict[str, Any], field: str, text: str) -> tuple[dict[str, Any], str]:
    """The payload with `text` in `field` (a list's first item for `.*`), and the field's name then."""
    planted = copy.deepcopy(payload)
    *outer, last = field.split(".")
    here: Any = planted
    for part in outer:
        here = here[0] if part == "*" else here.setdefault(part, [])
    if last == "*":
        here[0] = text
    else:
        here[last] = text
    return planted, field.replace("*", "0")


@pytest.fixture
def story(api: Api) -> dict[str, str]:
    """A reported practice review, a recommendation on its finding and an action agreed on it;
    then a case file for a child: its details are what free text must not hold."""
    review, finding = api.reported_review()
    recommendation = api.recommend(review, finding)["id"]
    api.decide("recommendation", recommendation)
    action = api.agree_action(recommendation)["id"]
    api.post("/casefiles", {"case_reference": "SHSCP-R014", "source_kind": "safeguarding_practice_review",
                            "role": "child", "name": CHILD, "date_of_birth": BORN.isoformat()}, expect=201)
    return {"activity_id": review, "finding": finding, "recommendation_id": recommendation,
            "recommendation": recommendation, "action_id": action,
            "meeting_id": str(meeting_uuid(PARTNERSHIP, BOARD, date(2026, 6, 15)))}


def _url(name: str, ids: dict[str, str]) -> str:
    target = DECLARATIONS[name].target_param
    return command_paths()[name].format(partnership_id=PARTNERSHIP, **({target: ids[target]} if target else {}))


def test_a_childs_name_or_date_of_birth_in_any_free_text_field_of_any_command_is_refused(
    api: Api, story: dict[str, str], store: EventStore, app: FastAPI
) -> None:
    payloads = _valid_payloads(story)
    assert set(payloads) == set(DECLARATIONS), "give each new command a valid payload here"
    known = app.state.known_identities(PARTNERSHIP)
    assert known, "the case file's details are known"
    refused = 0
    for name, payload in payloads.items():
        command = DECLARATIONS[name].command
        clean = command.model_validate(payload)  # a valid payload, which the screen lets through
        screen_free_text(clean, known)
        fields = list(free_text_fields(command))
        assert "rationale" in fields
        for field in fields:
            for what, (text, code) in PLANTED.items():
                body, named = _plant(payload, field, text)
                head = store.recorder.max_notification_id()
                r = api.client.post(_url(name, story), json=body)
                assert r.status_code == 422, (name, field, what, r.text)
                error = error_of(r)
                assert (error["code"], error["field"]) == (code, named), (name, field, what)
                assert CHILD not in error["message"] and "2014" not in error["message"]
                assert store.recorder.max_notification_id() == head, (name, field, "recorded")
                refused += 1
    assert refused > 2 * len(DECLARATIONS)  # the rationale of each, and more


def test_ingest_names_the_item_and_the_payload_field(api: Api, story: dict[str, str], store: EventStore) -> None:
    payloads = _valid_payloads(story)
    evidence, _ = _plant(payloads["complete_action"], "evidence.*.description", PLANTED["name"][0])
    decided, _ = _plant(payloads["record_decision"], "decided_by.*", f"{CHILD}'s aunt")
    items = [
        {"partnership_id": PARTNERSHIP, "command": "complete_action", "target_id": story["action_id"],
         "payload": evidence},
        {"partnership_id": PARTNERSHIP, "command": "record_decision", "payload": decided},
        {"partnership_id": PARTNERSHIP, "command": "record_child_voice", "target_id": story["activity_id"],
         "payload": {"summary": PLANTED["date of birth"][0]}},
    ]
    head = store.recorder.max_notification_id()
    r = api.client.post("/v1/ingest", json={"items": items})
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["applied"] == []
    assert [(e["index"], e["code"], e["field"]) for e in report["rejected"]] == [
        (0, "text_contains_known_name", "evidence.0.description"),
        (1, "text_contains_known_name", "decided_by.0"),
        (2, "text_contains_known_date_of_birth", "summary"),
    ]
    assert CHILD not in r.text
    assert store.recorder.max_notification_id() == head


@pytest.mark.parametrize(("text", "code"), [
    ("Seen by the GP, NHS number 943 476 5919.", "text_contains_nhs_number"),
    ("The family moved to WA10 1AB in May.", "text_contains_postcode"),
    ("The school rang the duty team on 01744 456789.", "text_contains_phone_number"),
    ("Mother wrote from family.name@example.org to the team.", "text_contains_email"),
])
def test_identifying_details_no_case_file_holds_are_refused_too(
    api: Api, story: dict[str, str], store: EventStore, text: str, code: str
) -> None:
    head = store.recorder.max_notification_id()
    finding = {**_valid_payloads(story)["record_finding"], "summary": text}
    r = api.client.post(_url("record_finding", story), json=finding)
    assert r.status_code == 422 and (error_of(r)["code"], error_of(r)["field"]) == (code, "summary"), r.text
    assert store.recorder.max_notification_id() == head


def test_case_files_rationales_and_the_erasure_rationale_are_screened(
    api: Api, story: dict[str, str], app: FastAPI, store: EventStore
) -> None:
    opened = {"case_reference": "SHSCP-R015", "source_kind": "safeguarding_practice_review", "role": "sibling",
              "name": "Orlaith Brackenbury"}
    head = store.recorder.max_notification_id()
    r = api.client.post(f"{api.base}/casefiles", json={**opened, "rationale": f"Sibling of {CHILD}."})
    assert r.status_code == 422 and (error_of(r)["code"], error_of(r)["field"]) == (
        "text_contains_known_name", "rationale"), r.text
    # The details being recorded are screened against too: a rationale must not repeat them.
    r = api.client.post(f"{api.base}/casefiles", json={**opened, "rationale": "Orlaith Brackenbury's file."})
    assert r.status_code == 422 and error_of(r)["field"] == "rationale", r.text
    assert store.recorder.max_notification_id() == head

    service = personal_data_for(app.state)
    (child,) = service.case_files(PARTNERSHIP)
    with pytest.raises(InvalidInput) as refused:
        service.erase(child.subject.subject_ref, principal="dpo", rationale=f"{CHILD} asked, born 17/03/2014.")
    assert (refused.value.code, refused.value.field) == ("text_contains_known_name", "rationale")
    assert CHILD not in refused.value.message
    assert store.recorder.max_notification_id() == head

    # Erased, the child's details are unreadable: the cache reads the case files again.
    service.erase(child.subject.subject_ref, principal="dpo", rationale="The subject's request under UK GDPR.")
    assert not app.state.known_identities(PARTNERSHIP)
    api.act(story["activity_id"], "child-voice", {"summary": PLANTED["name"][0]})
