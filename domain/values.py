"""The values every input is held to, wherever it arrives (JSON body, query string, ingest, Kafka).

Pydantic is lenient by default: it reads `0` and `"20271029"` as Unix timestamps,
`"2027-10-29T00:00:00"` as a date, `"0.5"` as an instant and `"1_000"` as a
number, and it stores any character. Here:

- a date is `YYYY-MM-DD` and nothing else (error code `date`);
- an instant is RFC 3339 with an offset, `2025-03-01T09:30:00Z` or `...+01:00`
  (error code `instant`): never a number, a bare date or a naive date and time;
- text is normalised to NFC and refuses NUL, the other C0 controls but tab and
  newline, DEL, the C1 controls and the bidirectional
  override and isolate characters U+202A-U+202E and U+2066-U+2069 (error code
  `text`), because they hide or reorder what a reader of the agenda, the
  tracker or the audit trail sees. Multi-line text turns CRLF and a lone CR
  into LF (what a browser's textarea sends is CRLF; one line ending keeps the
  Markdown and CSV renderings stable); a name is one line, so it refuses tab,
  CR and LF (pydantic's own string check already refuses lone surrogates);
- a log position or a count in a query string is ASCII digits only.

The API answers each refusal as `invalid_<code>` naming the field. The types
state their rule in the OpenAPI schema (`format`, `pattern`, `maxLength`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BeforeValidator, GetCoreSchemaHandler, GetJsonSchemaHandler, StringConstraints, WithJsonSchema
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
INSTANT_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,9})?([Zz]|[+-][0-9]{2}:[0-9]{2})$"
)
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{1,62}$"
DIGITS_PATTERN = r"^[0-9]{1,19}$"
# The characters text refuses, as a regex class (JSON schema and Python read the same escapes).
# Multi-line text may hold CR (it becomes LF); one line refuses every C0 control.
_TEXT_REFUSED = r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069"
_LINE_REFUSED = r"\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069"
TEXT_PATTERN = f"^[^{_TEXT_REFUSED}]*$"
LINE_PATTERN = f"^[^{_LINE_REFUSED}]*$"

STRICT_ERRORS = frozenset({"date", "instant", "text", "whole_number"})
"""The error types raised here; the API answers each as code `invalid_<type>`."""

_DATE = re.compile(DATE_PATTERN)
_INSTANT = re.compile(INSTANT_PATTERN)
_DIGITS = re.compile(DIGITS_PATTERN)
# One search in C finds the first refused character; a loop in Python costs ~50 ns a character.
_IN_TEXT = re.compile(f"[{_TEXT_REFUSED}]")
_IN_LINE = re.compile(f"[{_LINE_REFUSED}]")
_NAMES = {
    0x00: "NUL", 0x09: "tab", 0x0A: "line feed", 0x0D: "carriage return", 0x1B: "ESC", 0x7F: "DEL",
    0x202A: "LEFT-TO-RIGHT EMBEDDING", 0x202B: "RIGHT-TO-LEFT EMBEDDING", 0x202C: "POP DIRECTIONAL FORMATTING",
    0x202D: "LEFT-TO-RIGHT OVERRIDE", 0x202E: "RIGHT-TO-LEFT OVERRIDE", 0x2066: "LEFT-TO-RIGHT ISOLATE",
    0x2067: "RIGHT-TO-LEFT ISOLATE", 0x2068: "FIRST STRONG ISOLATE", 0x2069: "POP DIRECTIONAL ISOLATE",
}


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, datetime):
        return "a date and time"
    if value is None:
        return "null"
    return f"{type(value).__name__}"


def parse_iso_date(value: object) -> date:
    """A calendar date written YYYY-MM-DD (or a `date` built in Python), nothing else."""
    if isinstance(value, datetime):
        raise PydanticCustomError("date", "Expected a date (YYYY-MM-DD), got a date and time.")
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("date", "Expected a date as a string YYYY-MM-DD, got {kind}.", {"kind": _kind(value)})
    if not _DATE.fullmatch(value):
        raise PydanticCustomError(
            "date", "Expected a date as YYYY-MM-DD (e.g. 2027-10-29), got {value}.", {"value": repr(value[:40])},
        )
    try:
        return date.fromisoformat(value)
    except ValueError as e:
        raise PydanticCustomError("date", "{value} is not a calendar date: {reason}.",
                                  {"value": repr(value), "reason": str(e)}) from None


def parse_instant(value: object) -> datetime:
    """An instant in RFC 3339 with its offset (`Z` or `+01:00`), or an aware `datetime` built in Python."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise PydanticCustomError("instant", "Expected an instant with an offset, got a naive date and time.")
        return value
    if not isinstance(value, str):
        raise PydanticCustomError(
            "instant", "Expected an instant as an RFC 3339 string (e.g. 2025-03-01T09:30:00Z), got {kind}.",
            {"kind": _kind(value)},
        )
    if not _INSTANT.fullmatch(value):
        raise PydanticCustomError(
            "instant",
            "Expected an instant in RFC 3339 with an offset (e.g. 2025-03-01T09:30:00Z or "
            "2025-03-01T09:30:00+01:00), got {value}.",
            {"value": repr(value[:60])},
        )
    try:
        return datetime.fromisoformat(value.upper())
    except ValueError as e:
        raise PydanticCustomError("instant", "{value} is not a valid instant: {reason}.",
                                  {"value": repr(value), "reason": str(e)}) from None


def _describe(ch: str) -> str:
    code = ord(ch)
    name = _NAMES.get(code) or unicodedata.name(ch, "control character")
    return f"U+{code:04X} ({name})"


def _bidi(code: int) -> bool:
    return 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069


def _check(value: str, *, single_line: bool) -> str:
    found = (_IN_LINE if single_line else _IN_TEXT).search(value)
    if found is None:
        return value
    ch = found.group()
    if _bidi(ord(ch)):
        rule = "bidirectional override and isolate characters are refused: they reorder what readers see"
    elif single_line:
        rule = "a single line may not contain control characters"
    else:
        rule = "text may not contain control characters other than tab and newline"
    raise PydanticCustomError(
        "text", "Contains {char} at character {position}: {rule}.",
        {"char": _describe(ch), "position": found.start() + 1, "rule": rule},
    )


def clean_text(value: str) -> str:
    """Multi-line text: CRLF and CR become LF, NFC, then the refused characters checked."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", _check(value, single_line=False))


def clean_line(value: str) -> str:
    """One line of text: NFC, no control character at all."""
    return unicodedata.normalize("NFC", _check(value, single_line=True))


def _digits(value: object) -> object:
    # Query strings arrive as text: "1.0", " 1", "+1" and "1_000" are not positions.
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise PydanticCustomError("whole_number", "Expected a whole number in ASCII digits, got {value}.",
                                  {"value": repr(value[:40])})
    if isinstance(value, float | bool):
        raise PydanticCustomError("whole_number", "Expected a whole number, got {kind}.", {"kind": _kind(value)})
    return value


def _schema(**extra: Any) -> dict[str, Any]:
    return {"type": "string", **extra}


@dataclass(frozen=True)
class TextRule:
    """Annotated metadata for a text field: its lengths, whether it is one line, and the cleaning.

    One object holds the whole rule so a field's lengths are checked by the string
    schema itself (pydantic silently drops a `Field(max_length=...)` placed on a
    type whose last step is a validator) and the JSON schema states them."""

    max_length: int
    min_length: int = 1
    single_line: bool = True
    strip: bool = True
    pattern: str | None = None
    free_text: bool = True
    """Screened for identifying details before it is recorded (domain/free_text.py): what a
    person writes is. An address, a client's key or the encrypted details themselves are not."""

    def clean(self, value: str) -> str:
        return clean_line(value) if self.single_line else clean_text(value)

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        inner = core_schema.str_schema(
            strip_whitespace=self.strip, min_length=self.min_length, max_length=self.max_length,
            pattern=self.pattern,
        )
        return core_schema.no_info_after_validator_function(self.clean, inner)

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        refused = LINE_PATTERN if self.single_line else TEXT_PATTERN
        extra: dict[str, Any] = {"pattern": self.pattern or refused}
        also: list[dict[str, str]] = []
        if self.pattern:
            also.append({"pattern": refused})  # its own pattern, and the characters refused
        if self.min_length:
            extra["minLength"] = self.min_length
            if self.strip:
                also.append({"pattern": _at_least_after_trimming(self.min_length)})
        if also:
            extra["allOf"] = also
        return _schema(maxLength=self.max_length, **extra)


def _at_least_after_trimming(n: int) -> str:
    """A pattern (searched, as JSON Schema does) for text that keeps `n` characters once the
    whitespace at its ends is trimmed: a run from one non-space character to another."""
    return r"\S" if n == 1 else rf"\S[\s\S]{{{n - 2},}}\S"


IsoDate = Annotated[
    date,
    BeforeValidator(parse_iso_date),
    WithJsonSchema(_schema(format="date", pattern=DATE_PATTERN, examples=["2027-10-29"])),
]
"""A calendar date, YYYY-MM-DD only."""

Instant = Annotated[
    datetime,
    BeforeValidator(parse_instant),
    WithJsonSchema(_schema(format="date-time", pattern=INSTANT_PATTERN, examples=["2025-03-01T09:30:00Z"])),
]
"""An instant: RFC 3339 with an offset."""

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
"""An id people choose: lower-case ASCII letters, digits and hyphens, 2-63 long."""

Name = Annotated[str, TextRule(300)]
"""One line a person reads: a title, a name, a case reference."""

Text = Annotated[str, TextRule(10_000, single_line=False)]
"""Free text of one or more lines: a summary, a note, a finding."""

Rationale = Annotated[str, TextRule(10_000, min_length=0, single_line=False, strip=False)]
"""Why a command was given; may be empty, kept as written (bar line endings and NFC)."""

Url = Annotated[str, TextRule(2000, strip=False, pattern=r"^https?://[^\s]+$", free_text=False)]
"""An http(s) address, with no space or control character in it."""

Key = Annotated[str, TextRule(200, strip=False, free_text=False)]
"""A client's token such as an idempotency key: one line, compared exactly."""

@dataclass(frozen=True)
class Written:
    """Marks a recorded event's field as what a person wrote. The store keeps it sealed under a
    key of its own, so that a redaction can take it back (adapters/sealed_text.py); unlike
    `TextRule` it checks nothing, so every event stored before a rule changed still loads."""


FreeText = Annotated[str, Written()]
"""An event's free text: what a command's `Name`, `Text` or `Rationale` field became."""

Position = Annotated[int, BeforeValidator(_digits)]
"""A log position or a count: a whole number in ASCII digits (range set where it is used)."""
