"""A command's form from its declaration (services/web/command_forms.py): each field type's input,
what was typed read back into the payload, and refusals put on the form's fields."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from starlette.datastructures import FormData

from domain.commands import OpenActivity, RecordDecision, RecordFinding, Subscribe
from domain.errors import InvalidInput, RuleViolation
from domain.partnership import Agency, Partnership
from services.web.bizunit_forms import STEPS, step_fields
from services.web.command_forms import Choice, describe, read_command, refusal
from services.web.forms import FormErrors


def test_each_type_of_field_is_the_design_systems_input_for_it() -> None:
    fields = {f.name: f for f in describe(
        OpenActivity, ("kind", "title", "scope", "opened_on", "aware_on", "agencies_involved", "rationale"),
        choices={"agencies_involved": [Choice("merseyside-police", "Merseyside Police")]},
    )}
    assert {name: f.widget for name, f in fields.items()} == {
        "kind": "radios", "title": "text", "scope": "textarea", "opened_on": "date", "aware_on": "date",
        "agencies_involved": "checkboxes", "rationale": "textarea",
    }
    assert {name for name, f in fields.items() if f.optional} == {"aware_on", "agencies_involved", "rationale"}
    assert ("thematic_audit", "Thematic audit") in [(c.value, c.text) for c in fields["kind"].choices]
    assert fields["agencies_involved"].choices == (Choice("merseyside-police", "Merseyside Police"),)
    decision = {f.name: f for f in describe(RecordDecision, ("forum_id", "chairs_action", "decided_by"),
                                            choices={"forum_id": [Choice("executive", "Executive")]})}
    assert (decision["forum_id"].widget, decision["chairs_action"].widget) == ("select", "checkbox")
    themes = describe(Subscribe, ("themes",))[0]
    assert themes.widget == "checkboxes" and len(themes.choices) == 20


def test_every_step_an_activity_page_offers_has_a_form() -> None:
    now = datetime.now(UTC)
    police = Agency(agency_id="merseyside-police", name="Merseyside Police", sector="police")
    p = Partnership(id=uuid4(), version=1, partnership_id="p", created_on=now, modified_on=now, name="P",
                    agencies={police.agency_id: police})
    for step in STEPS:
        fields = step_fields(step, p)
        assert [f.name for f in fields] == [*step.fields, "rationale"], step.command
        for f in fields:
            if f.name == "agency_id":
                assert (f.widget, f.choices) == ("select", (Choice("merseyside-police", "Merseyside Police"),))


def _form(items: list[tuple[str, str]]) -> FormData:
    return FormData(items)


def test_what_was_typed_becomes_the_payload_and_a_refusal_keeps_it() -> None:
    fields = describe(RecordFinding, ("category", "themes", "summary", "recorded_on"))
    typed = [("category", "good_practice"), ("themes", "neglect"), ("themes", "domestic_abuse"),
             ("summary", "Good chronologies."), ("recorded_on-day", "3"), ("recorded_on-month", "4"),
             ("recorded_on-year", "2026")]
    made = read_command(RecordFinding, fields, _form(typed))
    assert made.command is not None and not made.errors
    assert made.command.themes == ("neglect", "domestic_abuse")
    assert made.command.recorded_on.isoformat() == "2026-04-03"

    refused = read_command(RecordFinding, fields, _form([("themes", "neglect"), ("summary", ""),
                                                         ("recorded_on-day", "31"), ("recorded_on-month", "2"),
                                                         ("recorded_on-year", "2026")]))
    assert refused.command is None
    assert {(e.field, e.code) for e in refused.errors.errors} == {
        ("recorded_on", "invalid_date"), ("category", "invalid_missing"), ("summary", "invalid_string_too_short"),
    }
    summary = next(e for e in refused.errors.errors if e.field == "summary")
    assert summary.message.startswith("Summary: ")
    date_error = next(e for e in refused.errors.errors if e.field == "recorded_on")
    assert date_error.href == "#recorded_on-day"
    assert refused.typed["themes"] == ["neglect"] and refused.typed["recorded_on-day"] == "31"


def test_the_domains_refusal_lands_on_the_field_it_names_or_says_its_field_in_words() -> None:
    fields = describe(RecordFinding, ("themes", "agencies_concerned"), choices={"agencies_concerned": []})
    on_item = refusal(RuleViolation("unknown_agency", "Agency 'x' is not a member.", "agencies_concerned[0]"),
                      fields, {})
    assert [(e.field, e.code, e.message) for e in on_item.errors] == [
        ("agencies_concerned", "unknown_agency", "Agency 'x' is not a member.")]
    elsewhere = refusal(InvalidInput("invalid_status", "Cannot record a finding in a closed activity.", "status"),
                        fields, {})
    assert [(e.field, e.href) for e in elsewhere.errors] == [(None, None)]
    assert elsewhere.errors[0].message == "Cannot record a finding in a closed activity. (invalid_status, field status)"
    assert isinstance(elsewhere, FormErrors) and elsewhere.summary()[0]["attributes"] == {
        "data-error-code": "invalid_status"}
