"""What a dead letter keeps of a refused ingest message (consumers/dead_letters.py); against
real Kafka in tests/integration/test_kafka_dead_letters.py."""

from __future__ import annotations

import json

from consumers.dead_letters import WITHHELD, dead_letter
from domain.screening import KnownIdentities

KNOWN = [KnownIdentities(names=["Ysolde Brackenthwaite"])]


def _message(**payload: object) -> bytes:
    return json.dumps({"partnership_id": "st-helens", "command": "record_action_progress", "payload": payload}).encode()


def test_the_field_a_screening_refusal_names_is_withheld_even_if_the_screen_no_longer_finds_it() -> None:
    # The case file was erased between the refusal and the letter: the names are no longer known.
    raw = _message(evidence=[{"description": "ok"}, {"description": "Ysolde's school report"}])
    letter = dead_letter(raw, "text_contains_known_name", "evidence.1.description holds ...", "evidence.1.description")
    assert json.loads(letter["original"])["payload"]["evidence"] == [{"description": "ok"}, {"description": WITHHELD}]
    assert letter["withheld"] == [{"field": "payload.evidence.1.description", "code": None, "offset": None}]
    assert "offset" not in letter["error"]


def test_a_refusal_naming_no_one_is_kept_byte_for_byte() -> None:
    raw = b'{"partnership_id":"st-helens",  "payload": {"summary": "On 12 March 2025 the Board agreed."}}'
    letter = dead_letter(raw, "unknown_agency", "No agency 'x'.", "agencies_concerned.0", KNOWN)
    assert letter == {
        "error": {"code": "unknown_agency", "field": "agencies_concerned.0", "message": "No agency 'x'."},
        "original": raw.decode(),
    }


def test_every_string_the_screen_refuses_is_withheld_with_where_and_what() -> None:
    raw = _message(note="Call 0151 496 0000", people=["chair", {"Ysolde Brackenthwaite": "mother"}])
    letter = dead_letter(raw, "invalid_item", "Extra inputs are not permitted", "Ysolde Brackenthwaite", KNOWN)
    kept = json.loads(letter["original"])["payload"]
    assert kept == {"note": WITHHELD, "people": ["chair", {f"{WITHHELD} 0": "mother"}]}
    assert letter["error"] == {"code": "invalid_item", "field": WITHHELD, "message": "Extra inputs are not permitted"}
    assert letter["withheld"] == [
        {"field": "payload.note", "code": "text_contains_phone_number", "offset": 5},
        {"field": "payload.people.1.[key 0]", "code": "text_contains_known_name", "offset": 0},
        {"field": "error.field", "code": "text_contains_known_name", "offset": 0},
    ]


def test_a_message_that_is_not_json_is_kept_only_if_it_holds_nothing() -> None:
    assert dead_letter(b"\xff not json", "invalid_json", "The message is not JSON.")["original"] == "\ufffd not json"
    letter = dead_letter(b"email jo@example.org", "invalid_json", "The message is not JSON.")
    assert letter["original"] is None
    assert letter["withheld"] == [{"field": "original", "code": "text_contains_email", "offset": 6}]
