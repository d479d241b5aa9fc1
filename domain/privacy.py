"""Keeping children's identities out of events.

A case is referred to by a pseudonymous reference such as ``SHSCP-2025-014``: a
code, not a description. Capital letters, digits, hyphens, slashes or underscores,
with at least one digit, no spaces (names have them), no run of more than six
letters (codes are short: SHSCP, MAPLR; names are longer and in mixed case), nothing
that reads as a date in any common form (a date of birth is personal data: 17-03-2014,
17MAR2014, 17032014), nothing that reads as an address (42-ELM-LANE), and nothing the
identity screen refuses in free text (domain/screening.py: a known name, an NHS
number, a postcode, a telephone number ...).
"""

from __future__ import annotations

import re
from typing import Any

from domain.errors import InvalidInput
from domain.screening import EMPTY, KnownIdentities, screen
from domain.written_dates import written_dates

# Letter runs of 1-6 between digits and separators, a digit somewhere, starting with a
# letter or a digit; said without lookahead, so that the OpenAPI document can state it
# and a request generated from the document meets the same rule. Two branches, one per
# first character, as the former pattern had: a one-branch form of the same rule changed
# a fuzzer's draws enough that tests/e2e/test_fuzz.py's stateful run followed no link.
_LETTERS_BEFORE_FIRST_DIGIT = r"[A-Z]{1,6}(?:[_/-]+[A-Z]{1,6})*[_/-]*"
_AFTER_FIRST_DIGIT = r"[A-Z]{0,6}(?:[0-9_/-]+[A-Z]{1,6})*[0-9_/-]*"
CASE_REFERENCE_PATTERN = rf"^([0-9]{_AFTER_FIRST_DIGIT}|{_LETTERS_BEFORE_FIRST_DIGIT}[0-9]{_AFTER_FIRST_DIGIT})$"
"""What the OpenAPI document states of the rule (with 3-40 characters): the characters, the
digit and the short letter runs. That nothing reads as a date, an address or another
identifying detail, a JSON Schema pattern cannot say."""
CASE_REFERENCE_SCHEMA: dict[str, Any] = {"pattern": CASE_REFERENCE_PATTERN, "minLength": 3, "maxLength": 40}
# fullmatch, not match: "$" also matches before a trailing newline.
_REFERENCE = re.compile(CASE_REFERENCE_PATTERN.removeprefix("^").removesuffix("$"))
_STREET = (
    r"(?:LANE|LN|ROAD|RD|STREET|ST|AVENUE|AVE|CLOSE|CL|DRIVE|DR|WAY|COURT|CT|CRES|GDNS|GROVE|GR|PLACE|PL"
    r"|TCE|WALK|HILL|PARK|SQ|ROW|MEWS|VIEW|RISE|PDE|GREEN|FOLD|CROFT|VALE|GATE)"
)
# A house number, one word or more, a kind of street: 42-MARMALADE-LANE, 7A/ELM/RD.
_ADDRESS_LIKE = re.compile(rf"(?<![A-Z0-9])[0-9]+[A-Z]?(?:[-/_][A-Z]+)+?[-/_]{_STREET}(?![A-Z])")
_SEPARATORS_AS_SPACES = str.maketrans("-/_", "   ")


def check_case_reference(reference: str, field: str = "case_reference", known: KnownIdentities = EMPTY) -> str:
    if not 3 <= len(reference) <= 40 or not _REFERENCE.fullmatch(reference):
        raise InvalidInput(
            "case_reference_not_pseudonymous",
            "A case is referred to by a pseudonymous reference of 3-40 capital letters, digits, "
            "'-', '/' or '_', containing a digit, with no spaces and no run of more than six letters "
            "(a code such as SHSCP-2025-014, never a child's name).",
            field,
        )
    if next(written_dates(reference), None) is not None:
        raise InvalidInput(
            "case_reference_contains_date",
            "A case reference must not contain a date: it could be a date of birth.",
            field,
        )
    if _ADDRESS_LIKE.search(reference):
        raise InvalidInput(
            "case_reference_contains_address",
            "A case reference must not contain an address (a house number and a street).",
            field,
        )
    # Read with its separators as spaces, a reference's parts are screened as words:
    # SHSCP-WA10-1AB holds a postcode.
    screen(reference.translate(_SEPARATORS_AS_SPACES), field, known)
    return reference
