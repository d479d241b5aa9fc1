"""Keeping children's identities out of events.

A case is referred to by a pseudonymous reference such as ``SHSCP-2025-014``:
letters, digits, hyphens, slashes or underscores, with at least one digit, no
spaces (names have them), and nothing that reads as a date (a date of birth
is personal data).
"""

from __future__ import annotations

import re
from typing import Any

from domain.errors import InvalidInput

_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_/-]{2,39}$")
CASE_REFERENCE_PATTERN = r"^([0-9][A-Za-z0-9_/-]*|[A-Za-z][A-Za-z_/-]*[0-9][A-Za-z0-9_/-]*)$"
"""What the OpenAPI document states of the rule (with 3-40 characters): the characters and
the digit. That nothing reads as a date, a JSON Schema pattern cannot say without lookahead."""
CASE_REFERENCE_SCHEMA: dict[str, Any] = {"pattern": CASE_REFERENCE_PATTERN, "minLength": 3, "maxLength": 40}
_DATE_LIKE = re.compile(
    r"(\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})|(\d{4}[-/.]\d{1,2}[-/.]\d{1,2})|"
    r"((19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01]))"
)


def check_case_reference(reference: str, field: str = "case_reference") -> str:
    # fullmatch, not match: "$" also matches before a trailing newline.
    if not _REFERENCE.fullmatch(reference) or not any(ch.isdigit() for ch in reference):
        raise InvalidInput(
            "case_reference_not_pseudonymous",
            "A case is referred to by a pseudonymous reference of 3-40 letters, digits, "
            "'-', '/' or '_', containing a digit and no spaces (never a child's name).",
            field,
        )
    if _DATE_LIKE.search(reference):
        raise InvalidInput(
            "case_reference_contains_date",
            "A case reference must not contain a date: it could be a date of birth.",
            field,
        )
    return reference
