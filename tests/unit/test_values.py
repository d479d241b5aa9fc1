"""domain/values.py: the forms each input type refuses, and what text becomes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter, ValidationError

from domain import commands as cmd
from domain.action import Evidence
from domain.values import Instant, IsoDate, Key, Name, Position, Rationale, Text, Url

DATES: TypeAdapter[date] = TypeAdapter(IsoDate)
INSTANTS: TypeAdapter[datetime] = TypeAdapter(Instant)


def error_type(adapter: TypeAdapter[Any], value: Any, *, json: bool = False) -> str:
    with pytest.raises(ValidationError) as e:
        adapter.validate_json(value) if json else adapter.validate_python(value)
    return str(e.value.errors()[0]["type"])


@pytest.mark.parametrize("value", [
    0, 20271029, 1.5, True, None, [2027, 10, 29],
    "0", "20271029", "2027-10-29T00:00:00", "2027-10-29T00:00:00Z", "2027-10-29 ", " 2027-10-29",
    "2027-W43-5", "2027-302", "2027-1-9", "27-10-29", "2027-02-30", "2027-13-01", "२०२७-१०-२९",
    datetime(2027, 10, 29, tzinfo=UTC),
])
def test_a_date_refuses_everything_but_yyyy_mm_dd(value: Any) -> None:
    assert error_type(DATES, value) == "date"


@pytest.mark.parametrize("raw", [b"0", b"20271029", b"1.5", b'"2027-10-29T00:00:00"', b"null", b'"0"'])
def test_a_date_refuses_the_same_in_json(raw: bytes) -> None:
    assert error_type(DATES, raw, json=True) == "date"


def test_a_date_reads_yyyy_mm_dd_and_python_dates() -> None:
    assert DATES.validate_json(b'"2027-10-29"') == date(2027, 10, 29)
    assert DATES.validate_python("2024-02-29") == date(2024, 2, 29)
    assert DATES.validate_python(date(2027, 10, 29)) == date(2027, 10, 29)


@pytest.mark.parametrize("value", [
    0, 0.5, 1700000000, "0", "0.5", "1700000000", "2025-03-01", "2025-03-01T09:30:00", "2025-03-01T09:30",
    "2025-03-01T09:30Z", "2025-03-01 09:30:00Z", "2025-03-01T09:30:00+0100", "2025-03-01T09:30:00+01",
    "2025-03-01T24:00:00Z", "2025-03-01T09:30:00.Z", datetime(2025, 3, 1, 9, 30), date(2025, 3, 1),
])
def test_an_instant_refuses_numbers_dates_and_naive_datetimes(value: Any) -> None:
    assert error_type(INSTANTS, value) == "instant"


@pytest.mark.parametrize(("value", "expected"), [
    ("2025-03-01T09:30:00Z", datetime(2025, 3, 1, 9, 30, tzinfo=UTC)),
    ("2025-03-01t09:30:00z", datetime(2025, 3, 1, 9, 30, tzinfo=UTC)),
    ("2025-03-01T09:30:00.25+01:00", datetime(2025, 3, 1, 8, 30, 0, 250_000, tzinfo=UTC)),
    ("2025-03-01T09:30:00-05:30", datetime(2025, 3, 1, 15, 0, tzinfo=UTC)),
])
def test_an_instant_reads_rfc_3339_with_its_offset(value: str, expected: datetime) -> None:
    parsed = INSTANTS.validate_python(value)
    assert parsed == expected and parsed.utcoffset() is not None


def test_an_aware_python_datetime_is_an_instant() -> None:
    local = datetime(2025, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    assert INSTANTS.validate_python(local) is local


TEXT: TypeAdapter[str] = TypeAdapter(Text)
NAME: TypeAdapter[str] = TypeAdapter(Name)


@pytest.mark.parametrize("ch", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f", "\x80", "\x9f",
                                "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
                                "\u2066", "\u2067", "\u2068", "\u2069"])
def test_text_and_names_refuse_control_and_bidi_override_characters(ch: str) -> None:
    assert error_type(TEXT, f"a{ch}b") == "text"
    assert error_type(NAME, f"a{ch}b") == "text"


def test_the_refusal_names_the_character_and_where_it_is() -> None:
    with pytest.raises(ValidationError) as e:
        NAME.validate_python("Audit \u202egpj")
    assert "U+202E (RIGHT-TO-LEFT OVERRIDE) at character 7" in e.value.errors()[0]["msg"]


def test_text_keeps_tab_and_newline_and_turns_cr_into_lf() -> None:
    assert TEXT.validate_python("a\tb\nc\r\nd\re") == "a\tb\nc\nd\ne"


@pytest.mark.parametrize("ch", ["\t", "\n", "\r"])
def test_a_name_is_one_line(ch: str) -> None:
    assert error_type(NAME, f"a{ch}b") == "text"


def test_text_is_normalised_to_nfc() -> None:
    decomposed = "Cafe\u0301 Zoe\u0308"
    assert TEXT.validate_python(decomposed) == "Caf\u00e9 Zo\u00eb"
    assert NAME.validate_python(decomposed) == "Caf\u00e9 Zo\u00eb"
    assert TypeAdapter(Rationale).validate_python("A\u030a") == "\u00c5"


def test_marks_that_do_not_reorder_text_are_kept() -> None:
    # Right-to-left and left-to-right marks (U+200F, U+200E) are how Arabic and Hebrew are written.
    assert NAME.validate_python("\u0645\u0631\u062d\u0628\u0627\u200f") == "\u0645\u0631\u062d\u0628\u0627\u200f"


def test_lengths_still_hold() -> None:
    assert error_type(NAME, "x" * 301) == "string_too_long"
    assert error_type(NAME, "   ") == "string_too_short"
    assert error_type(TypeAdapter(Key), "") == "string_too_short"
    assert TypeAdapter(Rationale).validate_python("") == ""


def test_a_url_has_no_space_or_control_character() -> None:
    urls: TypeAdapter[str] = TypeAdapter(Url)
    assert urls.validate_python("https://example.org/report") == "https://example.org/report"
    assert error_type(urls, "https://example.org/a b") == "string_pattern_mismatch"
    assert error_type(urls, "https://example.org/\x00") == "text"
    assert error_type(urls, "https://example.org/\u202e") == "text"


@pytest.mark.parametrize("value", ["1.0", " 1", "+1", "-1", "1_000", "1e3", "\u0661", "", 1.0, True])
def test_a_position_is_ascii_digits(value: Any) -> None:
    assert error_type(TypeAdapter(Position), value) == "whole_number"


def test_a_position_reads_digits_and_ints() -> None:
    assert TypeAdapter(Position).validate_python("42") == 42
    assert TypeAdapter(Position).validate_python(42) == 42


def test_the_openapi_schema_states_the_rules() -> None:
    class Body(BaseModel):
        on: IsoDate
        at: Instant
        title: Name

    props = Body.model_json_schema()["properties"]
    assert (props["on"]["format"], props["on"]["pattern"]) == ("date", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
    assert props["at"]["format"] == "date-time" and "[Zz]" in props["at"]["pattern"]
    assert (props["title"]["maxLength"], props["title"]["minLength"]) == (300, 1)
    assert "\\u202A-\\u202E" in props["title"]["pattern"]


def test_every_command_field_holds_to_them() -> None:
    with pytest.raises(ValidationError) as e:
        cmd.OpenActivity.model_validate({
            "kind": "thematic_audit", "title": "T\x00", "opened_on": "2026-02-02T00:00:00", "scope": "S\u202e",
            "case_reference": "R\x1b", "rationale": "\x07", "aware_on": 0,
        })
    assert {(err["loc"][0], err["type"]) for err in e.value.errors()} == {
        ("title", "text"), ("opened_on", "date"), ("scope", "text"), ("case_reference", "text"),
        ("rationale", "text"), ("aware_on", "date"),
    }


def test_evidence_in_a_command_is_checked_and_becomes_domain_evidence() -> None:
    with pytest.raises(ValidationError) as e:
        cmd.CompleteAction.model_validate({"completed_on": "2026-09-01", "evidence": [{"description": "Ok\x00k"}]})
    assert e.value.errors()[0]["loc"] == ("evidence", 0, "description")
    # Python callers may still pass the domain's Evidence.
    command = cmd.CompleteAction(completed_on=date(2026, 9, 1), evidence=(Evidence(description="Audit report"),))
    assert command.evidence[0].to_evidence() == Evidence(description="Audit report")


def _loose_strings(schema: Any, defs: dict[str, Any], where: str = "") -> list[str]:
    """Paths of string schemas that state no rule: no pattern, no enum, not a uuid."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            return _loose_strings(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, where)
        found = []
        if schema.get("type") == "string" and not (
            "pattern" in schema or "enum" in schema or "const" in schema or schema.get("format") == "uuid"
        ):
            found.append(where or "(root)")
        for key, value in schema.items():
            if key in ("properties", "$defs"):
                for name, sub in value.items():
                    found += _loose_strings(sub, defs, f"{where}.{name}".lstrip("."))
            elif key in ("anyOf", "oneOf", "allOf", "prefixItems"):
                for sub in value:
                    found += _loose_strings(sub, defs, where)
            elif key == "items":
                found += _loose_strings(value, defs, f"{where}[]")
        return found
    return []


@pytest.mark.parametrize("name", sorted(cmd.COMMANDS))
def test_every_command_field_states_its_rule(name: str) -> None:
    # A new command with a plain `str` or `date` field fails here: use domain/values.py.
    schema = cmd.COMMANDS[name].model_json_schema()
    assert _loose_strings(schema, schema.get("$defs", {})) == []
